#include "policy/parser.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/capabilities.h"
#include "common/yaml_fields.h"
#include "policy/response_parser.h"

namespace nsfence::policy {
namespace {

constexpr char kPodSelectorRefusal[] =
    "not supported: nsfence isolates namespaces, not pods; select peers with namespaceSelector";
constexpr char kNamedPortHint[] = "named ports are not supported, use a number";
constexpr char kCapabilitySpelling[] =
    "expected a Linux capability as capabilities(7) names it, with or without CAP_, in any case, "
    "e.g. NET_ADMIN, CAP_SYS_PTRACE, net_raw";

// Levenshtein distance, for suggesting the capability a typo meant.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The capability `text` (any case, CAP_ or not) is probably a typo of: one
// edit away, two for names of eight letters or more; empty when none is.
std::string NearestCapability(absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "CAP_");
  std::string nearest;
  size_t best = 3;
  for (int cap = 0; cap <= kCapLast; ++cap) {
    const std::string name = CapabilityName(cap);
    const size_t distance = EditDistance(bare, name);
    const size_t tolerated = name.size() >= 8 ? 2 : 1;
    if (distance <= tolerated && distance < best) {
      best = distance;
      nearest = name;
    }
  }
  return nearest;
}

// "1.0", "1.1", ...: the versions minVersion takes, as a message lists them.
std::string TlsVersionChoices() {
  std::vector<std::string> quoted;
  for (const TlsVersionName& name : kTlsVersionNames) {
    quoted.push_back(absl::StrCat("\"", name.text, "\""));
  }
  return absl::StrJoin(quoted, ", ");
}

// Which protocols a rule's ports may name: requireTLS judges TCP only.
enum class PortProtocols { kTcpOrUdp, kTcpOnly };

// Reads the documents of one file. Every method reports its problems and
// returns what it could read; the caller judges the file by its diagnostics.
class PolicyParser {
 public:
  PolicyParser(absl::string_view file, Diagnostics* diagnostics) : reader_(file, diagnostics) {}

  std::vector<Policy> ParseFile(absl::string_view text) {
    std::vector<Policy> policies;
    std::map<std::string, SourcePos> defined;  // name -> Policy::pos
    std::optional<std::vector<YamlValue>> documents = reader_.LoadDocuments(text);
    if (!documents) return policies;
    for (const YamlValue& document : *documents) {
      std::optional<Policy> policy = ParseDocument(document);
      if (!policy) continue;
      if (!policy->name.empty()) {
        const auto [first, inserted] = defined.emplace(policy->name, policy->pos);
        if (!inserted) {
          reader_.Error(policy->pos,
                        absl::StrCat("policy \"", policy->name, "\" is already defined at ",
                                     first->second.ToString()));
        }
      }
      policies.push_back(std::move(*policy));
    }
    return policies;
  }

 private:
  // nullopt when the document is not an IsolationPolicy at all, so that its
  // other fields are not reported as wrong.
  std::optional<Policy> ParseDocument(const YamlValue& document) {
    std::optional<YamlMapping> object =
        reader_.ReadMapping(document, {"apiVersion", "kind", "metadata", "spec"});
    if (!object) return std::nullopt;
    const bool api_version_ok = ReadRequiredExact(*object, "apiVersion", kApiVersion);
    if (!ReadRequiredExact(*object, "kind", kKind) || !api_version_ok) return std::nullopt;

    Policy policy;
    policy.pos = document.pos();
    if (std::optional<YamlValue> metadata = object->Require("metadata")) {
      ParseMetadata(*metadata, &policy);
    }
    if (std::optional<YamlValue> spec = object->Require("spec")) ParseSpec(*spec, &policy);
    return policy;
  }

  bool ReadRequiredExact(const YamlMapping& object, absl::string_view field,
                         absl::string_view expected) {
    std::optional<YamlValue> value = object.Require(field);
    return value && reader_.ReadExact(*value, expected);
  }

  void ParseMetadata(const YamlValue& value, Policy* policy) {
    std::optional<YamlMapping> metadata =
        reader_.ReadMapping(value, {"name", "labels", "annotations"},
                            {{"namespace", "not allowed: an IsolationPolicy is cluster-scoped"}});
    if (!metadata) return;
    if (std::optional<YamlValue> name = metadata->Require("name")) {
      policy->pos = name->pos();
      policy->name = reader_.ReadChecked(*name, CheckDnsSubdomain).value_or("");
    }
    // Unused, but checked so that the file stays a valid Kubernetes object.
    if (std::optional<YamlValue> labels = metadata->Get("labels")) reader_.ReadLabels(*labels);
    if (std::optional<YamlValue> annotations = metadata->Get("annotations")) {
      reader_.ReadStringMap(*annotations, CheckLabelKey);
    }
  }

  void ParseSpec(const YamlValue& value, Policy* policy) {
    std::optional<YamlMapping> spec = reader_.ReadMapping(
        value, {"namespaceSelector", "mode", "network", "tls", "containers", "response"},
        {{"podSelector", kPodSelectorRefusal}});
    if (!spec) return;
    if (std::optional<YamlValue> selector = spec->Require("namespaceSelector")) {
      policy->namespace_selector = ParseSelector(*selector);
    }
    if (std::optional<YamlValue> mode = spec->Get("mode")) {
      policy->mode =
          reader_.ReadEnum<Mode>(*mode, {{"enforce", Mode::kEnforce}, {"audit", Mode::kAudit}})
              .value_or(Mode::kEnforce);
    }
    if (std::optional<YamlValue> network = spec->Get("network")) {
      policy->network = ParseNetwork(*network);
    }
    if (std::optional<YamlValue> tls = spec->Get("tls")) policy->tls = ParseTls(*tls);
    if (std::optional<YamlValue> containers = spec->Get("containers")) {
      policy->containers = ParseContainers(*containers);
    }
    if (std::optional<YamlValue> response = spec->Get("response")) {
      policy->response = ParseResponse(reader_, *response);
    }
  }

  LabelSelector ParseSelector(const YamlValue& value) {
    LabelSelector selector;
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(value, {"matchLabels", "matchExpressions"});
    if (!fields) return selector;
    if (std::optional<YamlValue> labels = fields->Get("matchLabels")) {
      selector.match_labels = reader_.ReadLabels(*labels).value_or(Labels{});
    }
    if (std::optional<YamlValue> expressions = fields->Get("matchExpressions")) {
      for (const YamlValue& item : reader_.ReadSequence(*expressions)) {
        selector.match_expressions.push_back(ParseRequirement(item));
      }
    }
    return selector;
  }

  LabelRequirement ParseRequirement(const YamlValue& value) {
    using Op = LabelRequirement::Operator;
    LabelRequirement requirement;
    std::optional<YamlMapping> fields = reader_.ReadMapping(value, {"key", "operator", "values"});
    if (!fields) return requirement;
    if (std::optional<YamlValue> key = fields->Require("key")) {
      requirement.key = reader_.ReadChecked(*key, CheckLabelKey).value_or("");
    }
    std::optional<YamlValue> values = fields->Get("values");
    if (values) {
      for (const YamlValue& item : reader_.ReadSequence(*values)) {
        requirement.values.push_back(reader_.ReadChecked(item, CheckLabelValue).value_or(""));
      }
    }
    std::optional<YamlValue> op_value = fields->Require("operator");
    if (!op_value) return requirement;
    const std::optional<Op> op =
        reader_.ReadEnum<Op>(*op_value, {{"In", Op::kIn},
                                         {"NotIn", Op::kNotIn},
                                         {"Exists", Op::kExists},
                                         {"DoesNotExist", Op::kDoesNotExist}});
    if (!op) return requirement;
    requirement.op = *op;
    const std::string& op_name = op_value->node().Scalar();
    const bool takes_values = *op == Op::kIn || *op == Op::kNotIn;
    if (takes_values && requirement.values.empty()) {
      reader_.Error(values ? *values : value,
                    absl::StrCat("operator ", op_name, " needs at least one value in values"));
    } else if (!takes_values && !requirement.values.empty()) {
      reader_.Error(*values, absl::StrCat("operator ", op_name, " takes no values"));
    }
    return requirement;
  }

  NetworkSpec ParseNetwork(const YamlValue& value) {
    NetworkSpec network;
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(value, {"crossNamespace", "egress", "ingress", "hostIngress"});
    if (!fields) return network;
    if (std::optional<YamlValue> cross = fields->Get("crossNamespace")) {
      network.cross_namespace =
          reader_
              .ReadEnum<CrossNamespace>(
                  *cross, {{"deny", CrossNamespace::kDeny}, {"allow", CrossNamespace::kAllow}})
              .value_or(CrossNamespace::kDeny);
    }
    if (std::optional<YamlValue> host = fields->Get("hostIngress")) {
      network.host_ingress = reader_
                                 .ReadEnum<HostIngress>(*host, {{"allow", HostIngress::kAllow},
                                                                {"deny", HostIngress::kDeny}})
                                 .value_or(HostIngress::kAllow);
    }
    if (std::optional<YamlValue> egress = fields->Get("egress")) {
      network.egress = ParseRules(*egress, "to", PortProtocols::kTcpOrUdp);
    }
    if (std::optional<YamlValue> ingress = fields->Get("ingress")) {
      network.ingress = ParseRules(*ingress, "from", PortProtocols::kTcpOrUdp);
    }
    return network;
  }

  TlsSpec ParseTls(const YamlValue& value) {
    TlsSpec tls;
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(value, {"minVersion", "direction", "requireTLS"});
    if (!fields) return tls;
    if (std::optional<YamlValue> min_version = fields->Get("minVersion")) {
      tls.min_version = ReadTlsVersion(*min_version).value_or(TlsVersion::kTls12);
    }
    if (std::optional<YamlValue> direction = fields->Get("direction")) {
      tls.direction = reader_
                          .ReadEnum<TlsDirection>(*direction, {{"egress", TlsDirection::kEgress},
                                                               {"ingress", TlsDirection::kIngress},
                                                               {"both", TlsDirection::kBoth}})
                          .value_or(TlsDirection::kBoth);
    }
    if (std::optional<YamlValue> require = fields->Get("requireTLS")) {
      tls.require_tls = ParseRules(*require, "to", PortProtocols::kTcpOnly);
    }
    return tls;
  }

  // The scalar text, quoted or not: YAML reads a plain 1.2 as a number, but
  // its text is still "1.2".
  std::optional<TlsVersion> ReadTlsVersion(const YamlValue& value) {
    std::optional<std::string> text = reader_.ReadString(value);
    if (!text) return std::nullopt;
    for (const TlsVersionName& name : kTlsVersionNames) {
      if (*text == name.text) return name.version;
    }
    std::string message = absl::StrCat("expected one of ", TlsVersionChoices(), ", got \"", *text, "\"");
    if (!text->empty() && absl::ascii_isalpha(text->front())) {
      absl::StrAppend(&message, " (write the version number alone, e.g. \"1.2\")");
    }
    reader_.Error(value, message);
    return std::nullopt;
  }

  ContainersSpec ParseContainers(const YamlValue& value) {
    ContainersSpec containers;
    containers.pos = value.pos();
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(value, {"privileged", "allowedCapabilities", "hostNamespaces"});
    if (!fields) return containers;
    if (std::optional<YamlValue> privileged = fields->Get("privileged")) {
      containers.privileged = reader_
                                  .ReadEnum<Privileged>(*privileged, {{"deny", Privileged::kDeny},
                                                                      {"audit", Privileged::kAudit},
                                                                      {"allow", Privileged::kAllow}})
                                  .value_or(Privileged::kDeny);
    }
    if (std::optional<YamlValue> allowed = fields->Get("allowedCapabilities")) {
      for (const YamlValue& item : reader_.ReadSequence(*allowed)) {
        if (std::optional<int> cap = ReadAllowedCapability(item)) {
          containers.allowed_capabilities |= CapabilityBit(*cap);
        }
      }
    }
    if (std::optional<YamlValue> host = fields->Get("hostNamespaces")) {
      containers.host_namespaces =
          reader_
              .ReadEnum<HostNamespaces>(
                  *host, {{"deny", HostNamespaces::kDeny}, {"allow", HostNamespaces::kAllow}})
              .value_or(HostNamespaces::kDeny);
    }
    return containers;
  }

  // A capability name that may be allowed: known, and not CAP_SYS_ADMIN.
  std::optional<int> ReadAllowedCapability(const YamlValue& value) {
    std::optional<std::string> text = reader_.ReadString(value);
    if (!text) return std::nullopt;
    const std::optional<int> cap = ParseCapability(*text);
    if (!cap && absl::EqualsIgnoreCase(*text, "ALL")) {
      reader_.Error(value, "ALL cannot be allowed, it holds CAP_SYS_ADMIN (list the capabilities the "
                           "pods need, e.g. NET_ADMIN)");
      return std::nullopt;
    }
    if (!cap) {
      const std::string nearest = NearestCapability(*text);
      reader_.Error(value, absl::StrCat("unknown capability \"", *text, "\" (",
                                        nearest.empty() ? "" : absl::StrCat("did you mean ", nearest, "? "),
                                        kCapabilitySpelling, ")"));
      return std::nullopt;
    }
    if (*cap == kCapSysAdmin) {
      reader_.Error(value, "CAP_SYS_ADMIN always counts as privileged and cannot be allowed (remove "
                           "it; for pods that need it, set privileged: audit or allow)");
      return std::nullopt;
    }
    return cap;
  }

  // `peers_field` is "to" for egress and "from" for ingress.
  std::vector<Rule> ParseRules(const YamlValue& value, absl::string_view peers_field,
                               PortProtocols protocols) {
    std::vector<Rule> rules;
    for (const YamlValue& item : reader_.ReadSequence(value)) {
      Rule& rule = rules.emplace_back();
      rule.pos = item.pos();
      std::optional<YamlMapping> fields = reader_.ReadMapping(item, {peers_field, "ports"});
      if (!fields) continue;
      if (std::optional<YamlValue> peers = fields->Get(peers_field)) {
        for (const YamlValue& peer : reader_.ReadSequence(*peers)) {
          rule.peers.push_back(ParsePeer(peer));
        }
      }
      if (std::optional<YamlValue> ports = fields->Get("ports")) {
        for (const YamlValue& port : reader_.ReadSequence(*ports)) {
          rule.ports.push_back(ParsePort(port, protocols));
        }
      }
    }
    return rules;
  }

  Peer ParsePeer(const YamlValue& value) {
    Peer peer;
    peer.pos = value.pos();
    std::optional<YamlMapping> fields = reader_.ReadMapping(value, {"namespaceSelector", "ipBlock"},
                                                            {{"podSelector", kPodSelectorRefusal}});
    if (!fields) return peer;
    std::optional<YamlValue> selector = fields->Get("namespaceSelector");
    std::optional<YamlValue> ip_block = fields->Get("ipBlock");
    if (selector.has_value() == ip_block.has_value()) {
      reader_.Error(value, selector ? "a peer takes one of namespaceSelector and ipBlock, not both "
                                      "(write two peers)"
                                    : "expected one of namespaceSelector or ipBlock");
    }
    if (selector) peer.namespace_selector = ParseSelector(*selector);
    if (ip_block) peer.ip_block = ParseIpBlock(*ip_block);
    return peer;
  }

  IpBlock ParseIpBlock(const YamlValue& value) {
    IpBlock block;
    std::optional<YamlMapping> fields = reader_.ReadMapping(value, {"cidr", "except"});
    if (!fields) return block;
    std::optional<Cidr> cidr;
    if (std::optional<YamlValue> cidr_value = fields->Require("cidr")) {
      cidr = reader_.ReadParsed(*cidr_value, Cidr::Parse);
    }
    if (cidr) block.cidr = *cidr;
    std::optional<YamlValue> except = fields->Get("except");
    if (!except) return block;
    for (const YamlValue& item : reader_.ReadSequence(*except)) {
      std::optional<Cidr> excluded = reader_.ReadParsed(item, Cidr::Parse);
      if (!excluded) continue;
      block.except.push_back(*excluded);
      if (!cidr) continue;
      if (excluded->family() != cidr->family()) {
        reader_.Error(item,
                      absl::StrCat(excluded->ToString(), " is not of the address family of cidr ",
                                   cidr->ToString()));
      } else if (!cidr->Contains(*excluded)) {
        reader_.Error(item,
                      absl::StrCat(excluded->ToString(), " is not inside cidr ", cidr->ToString()));
      } else if (*excluded == *cidr) {
        reader_.Error(item, absl::StrCat(excluded->ToString(), " excludes all of cidr ",
                                         cidr->ToString(), "; it must be strictly smaller"));
      }
    }
    return block;
  }

  PortRange ParsePort(const YamlValue& value, PortProtocols protocols) {
    PortRange range;
    range.pos = value.pos();
    std::optional<YamlMapping> fields = reader_.ReadMapping(value, {"protocol", "port", "endPort"});
    if (!fields) return range;
    if (std::optional<YamlValue> protocol = fields->Get("protocol")) {
      range.protocol = ReadProtocol(*protocol, protocols).value_or(Protocol::kTcp);
    }
    std::optional<YamlValue> port = fields->Get("port");
    if (port) range.port = ReadPortNumber(*port, kNamedPortHint);
    std::optional<YamlValue> end_port = fields->Get("endPort");
    if (!end_port) return range;
    range.end_port = ReadPortNumber(*end_port, "");
    if (!port) {
      reader_.Error(*end_port, "needs port, the first port of the range");
    } else if (range.port && range.end_port && *range.end_port < *range.port) {
      reader_.Error(*end_port, absl::StrCat(*range.end_port, " is below port ", *range.port));
    }
    return range;
  }

  std::optional<Protocol> ReadProtocol(const YamlValue& value, PortProtocols protocols) {
    const bool tcp_only = protocols == PortProtocols::kTcpOnly;
    const std::string text = value.node().IsScalar() ? value.node().Scalar() : "";
    if (text == "SCTP") {
      reader_.Error(value, tcp_only ? "SCTP is not supported (expected TCP)"
                                    : "SCTP is not supported (expected TCP or UDP)");
      return std::nullopt;
    }
    if (tcp_only && text == "UDP") {
      reader_.Error(value, "UDP is not supported here: TLS over UDP (QUIC, DTLS) is not inspected "
                           "(expected TCP)");
      return std::nullopt;
    }
    if (tcp_only) return reader_.ReadEnum<Protocol>(value, {{"TCP", Protocol::kTcp}});
    return reader_.ReadEnum<Protocol>(value, {{"TCP", Protocol::kTcp}, {"UDP", Protocol::kUdp}});
  }

  std::optional<uint16_t> ReadPortNumber(const YamlValue& value, absl::string_view hint) {
    std::optional<int64_t> number = reader_.ReadInt(value, 1, 65535, hint);
    if (!number) return std::nullopt;
    return static_cast<uint16_t>(*number);
  }

  YamlReader reader_;
};

}  // namespace

ParseResult ParsePolicies(absl::string_view text, absl::string_view file_name) {
  ParseResult result;
  PolicyParser parser(file_name, &result.diagnostics);
  result.policies = parser.ParseFile(text);
  SortByPosition(&result.diagnostics);
  if (!result.ok()) result.policies.clear();
  return result;
}

}  // namespace nsfence::policy
