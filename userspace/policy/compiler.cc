#include "policy/compiler.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nsfence::policy {
namespace {

using inventory::Inventory;
using inventory::Namespace;

// Finds the namespaces a selector matches without scanning all of them when
// the selector names a label pair.
class NamespaceIndex {
 public:
  explicit NamespaceIndex(const Inventory& inventory) : inventory_(inventory) {
    for (const Namespace& ns : inventory.namespaces) {
      for (const auto& [key, value] : ns.labels) by_label_[absl::StrCat(key, "=", value)].push_back(&ns);
    }
  }

  std::vector<const Namespace*> Select(const LabelSelector& selector) const {
    std::vector<const Namespace*> out;
    if (!selector.match_labels.empty()) {
      const auto& [key, value] = *selector.match_labels.begin();
      const auto it = by_label_.find(absl::StrCat(key, "=", value));
      if (it == by_label_.end()) return out;
      for (const Namespace* ns : it->second) {
        if (selector.Matches(ns->labels)) out.push_back(ns);
      }
      return out;
    }
    for (const Namespace& ns : inventory_.namespaces) {
      if (selector.Matches(ns.labels)) out.push_back(&ns);
    }
    return out;
  }

 private:
  const Inventory& inventory_;
  absl::flat_hash_map<std::string, std::vector<const Namespace*>> by_label_;
};

std::string PortText(const PortRange& p) {
  return absl::StrCat(p.protocol == Protocol::kTcp ? "tcp" : "udp", ":", p.first(), "-", p.last());
}

std::string PeerText(const Peer& peer) {
  if (peer.namespace_selector) return absl::StrCat("ns", peer.namespace_selector->ToString());
  std::vector<std::string> except;
  for (const Cidr& c : peer.ip_block->except) except.push_back(c.ToString());
  std::sort(except.begin(), except.end());
  return absl::StrCat("ip(", peer.ip_block->cidr.ToString(), " except ", absl::StrJoin(except, ","),
                      ")");
}

std::string RulesText(const std::vector<Rule>& rules) {
  std::vector<std::string> out;
  for (const Rule& r : rules) {
    std::vector<std::string> peers, ports;
    for (const Peer& p : r.peers) peers.push_back(PeerText(p));
    for (const PortRange& p : r.ports) ports.push_back(PortText(p));
    out.push_back(absl::StrCat("[", absl::StrJoin(peers, ";"), "|", absl::StrJoin(ports, ";"), "]"));
  }
  return absl::StrJoin(out, "");
}

class RulesetCompiler {
 public:
  RulesetCompiler(const NamespaceIndex& index, const std::vector<CompiledPrefix>& prefixes)
      : index_(index), prefixes_(prefixes) {}

  // The network sections of `network` and the requireTLS rules of `tls`.
  Ruleset Compile(std::string key, const std::vector<const Policy*>& network,
                  const std::vector<const Policy*>& tls) const {
    Ruleset rs{.key = std::move(key)};
    for (const Policy* p : network) AddNetwork(*p, &rs.rules);
    for (const Policy* p : tls) AddRequireTls(*p, &rs.rules);
    std::set<std::string> names;
    for (const auto* list : {&network, &tls}) {
      for (const Policy* p : *list) names.insert(p->name);
    }
    rs.policies.assign(names.begin(), names.end());
    return rs;
  }

 private:
  void AddNetwork(const Policy& p, std::vector<CompiledRule>* out) const {
    const NetworkSpec& net = *p.network;
    if (net.cross_namespace == CrossNamespace::kAllow) {
      for (Direction d : {Direction::kEgress, Direction::kIngress}) {
        out->push_back(CompiledRule{.direction = d, .policy = p.name});
      }
    }
    if (net.host_ingress == HostIngress::kAllow) {
      for (const CompiledPrefix& prefix : prefixes_) {
        if (!prefix.host) continue;
        out->push_back(CompiledRule{.direction = Direction::kIngress,
                                    .peer = {.kind = CompiledPeer::Kind::kPrefix, .prefix = prefix.cidr},
                                    .policy = p.name});
      }
    }
    for (const Rule& r : net.egress) AddRule(p.name, Direction::kEgress, r, std::nullopt, out);
    for (const Rule& r : net.ingress) AddRule(p.name, Direction::kIngress, r, std::nullopt, out);
  }

  // requireTLS judges TCP only: a rule without ports covers every TCP port.
  void AddRequireTls(const Policy& p, std::vector<CompiledRule>* out) const {
    const Direction d = p.mode == Mode::kEnforce ? Direction::kRequireTls : Direction::kRequireTlsAudit;
    for (const Rule& r : p.tls->require_tls) AddRule(p.name, d, r, Protocol::kTcp, out);
  }

  // `unlisted_ports`: what a rule without ports covers, every port of this
  // protocol, or of every protocol (nullopt).
  void AddRule(const std::string& policy, Direction d, const Rule& r,
               std::optional<Protocol> unlisted_ports, std::vector<CompiledRule>* out) const {
    std::vector<CompiledPeer> peers;
    if (r.peers.empty()) peers.push_back(CompiledPeer{});
    for (const Peer& peer : r.peers) ExpandPeer(peer, &peers);

    std::vector<CompiledRule> ports;
    if (r.ports.empty()) ports.push_back(CompiledRule{.protocol = unlisted_ports});
    for (const PortRange& p : r.ports) {
      ports.push_back(CompiledRule{.protocol = p.protocol, .first_port = p.first(), .last_port = p.last()});
    }
    for (const CompiledPeer& peer : peers) {
      for (CompiledRule rule : ports) {
        rule.direction = d;
        rule.peer = peer;
        rule.policy = policy;
        out->push_back(std::move(rule));
      }
    }
  }

  // An ipBlock holds the prefixes inside its cidr and outside its excepts: an
  // address's longest matching prefix then tells whether the block has it.
  void ExpandPeer(const Peer& peer, std::vector<CompiledPeer>* out) const {
    if (peer.namespace_selector) {
      for (const Namespace* ns : index_.Select(*peer.namespace_selector)) {
        out->push_back({.kind = CompiledPeer::Kind::kNamespace, .namespace_name = ns->name});
      }
      return;
    }
    const IpBlock& block = *peer.ip_block;
    for (const CompiledPrefix& prefix : prefixes_) {
      if (!block.cidr.Contains(prefix.cidr)) continue;
      const bool excepted = std::any_of(block.except.begin(), block.except.end(),
                                        [&](const Cidr& e) { return e.Contains(prefix.cidr); });
      if (!excepted) out->push_back({.kind = CompiledPeer::Kind::kPrefix, .prefix = prefix.cidr});
    }
  }

  const NamespaceIndex& index_;
  const std::vector<CompiledPrefix>& prefixes_;
};

std::vector<CompiledPrefix> PrefixSet(const std::vector<Policy>& policies,
                                      const Inventory& inventory,
                                      const std::vector<Cidr>& extra) {
  std::set<Cidr> all(extra.begin(), extra.end());
  for (const Cidr& c : PolicyPrefixes(policies)) all.insert(c);
  for (const Cidr& c : inventory.host_cidrs) all.insert(c);
  std::vector<CompiledPrefix> out;
  for (const Cidr& c : all) {
    const bool host = std::any_of(inventory.host_cidrs.begin(), inventory.host_cidrs.end(),
                                  [&](const Cidr& h) { return h.Contains(c); });
    out.push_back({.cidr = c, .host = host});
  }
  return out;
}

bool Covers(const TlsSpec& tls, TlsDirection role) {
  return tls.direction == TlsDirection::kBoth || tls.direction == role;
}

// The highest minVersion among the `mode` policies covering `role`.
std::optional<TlsVersion> HighestFloor(const std::vector<const Policy*>& policies, Mode mode,
                                       TlsDirection role) {
  std::optional<TlsVersion> floor;
  for (const Policy* p : policies) {
    if (p->mode != mode || !Covers(*p->tls, role)) continue;
    if (!floor || p->tls->min_version > *floor) floor = p->tls->min_version;
  }
  return floor;
}

// The first `mode` policy whose minVersion is the floor (`of` the egress or
// the ingress TlsFloor) of a role it covers.
std::string FirstAtFloor(const std::vector<const Policy*>& policies, Mode mode,
                         const CompiledTls& tls, std::optional<TlsVersion> TlsFloor::*of) {
  for (const Policy* p : policies) {
    if (p->mode != mode) continue;
    for (const auto& [role, floor] : {std::pair{TlsDirection::kEgress, &tls.egress},
                                      std::pair{TlsDirection::kIngress, &tls.ingress}}) {
      if (Covers(*p->tls, role) && floor->*of == p->tls->min_version) return p->name;
    }
  }
  return "";
}

// `policies`: those with a tls section selecting the namespace, in name order.
CompiledTls CompileTls(const std::vector<const Policy*>& policies) {
  CompiledTls out;
  for (const auto& [role, floor] : {std::pair{TlsDirection::kEgress, &out.egress},
                                    std::pair{TlsDirection::kIngress, &out.ingress}}) {
    floor->enforce = HighestFloor(policies, Mode::kEnforce, role);
    floor->audit = HighestFloor(policies, Mode::kAudit, role);
    // Audit never weakens enforce, and reports only what enforce lets pass.
    if (floor->enforce && floor->audit && *floor->audit <= *floor->enforce) floor->audit.reset();
  }
  out.policy = FirstAtFloor(policies, Mode::kEnforce, out, &TlsFloor::enforce);
  out.audit_policy = FirstAtFloor(policies, Mode::kAudit, out, &TlsFloor::audit);
  return out;
}

// What one policy's containers section does to a privileged process.
enum class ContainersAction { kNone, kAudit, kDeny };

// Audit policies never stop anything, so `mode: audit` turns deny into audit.
ContainersAction ActionOf(const Policy& p) {
  switch (p.containers->privileged) {
    case Privileged::kAllow:
      return ContainersAction::kNone;
    case Privileged::kAudit:
      return ContainersAction::kAudit;
    case Privileged::kDeny:
      return p.mode == Mode::kAudit ? ContainersAction::kAudit : ContainersAction::kDeny;
  }
  return ContainersAction::kNone;
}

uint8_t HostNamespacesOf(const ContainersSpec& containers) {
  return containers.host_namespaces == HostNamespaces::kDeny ? kAllHostNamespaces : 0;
}

// `policies`: those with a containers section selecting the namespace, in
// name order. What one policy allows another may still deny: masks are ORed.
CompiledContainers CompileContainers(const std::vector<const Policy*>& policies) {
  CompiledContainers out;
  CapabilityMask audited_caps = 0;
  uint8_t audited_host_ns = 0;
  for (const Policy* p : policies) {
    const ContainersAction action = ActionOf(*p);
    if (action == ContainersAction::kNone) continue;
    const CapabilityMask caps = PrivilegedCapabilities(p->containers->allowed_capabilities);
    const uint8_t host_ns = HostNamespacesOf(*p->containers);
    if (action == ContainersAction::kDeny) {
      out.denied_caps |= caps;
      out.host_ns_denied |= host_ns;
      if (out.policy.empty()) out.policy = p->name;
    } else {
      audited_caps |= caps;
      audited_host_ns |= host_ns;
      if (out.audit_policy.empty()) out.audit_policy = p->name;
    }
  }
  // Audit reports only what deny lets run.
  out.audited_caps = audited_caps & ~out.denied_caps;
  out.host_ns_audited = audited_host_ns & ~out.host_ns_denied;
  if (!out.policy.empty()) {
    out.devices = Mode::kEnforce;
  } else if (!out.audit_policy.empty()) {
    out.devices = Mode::kAudit;
  }
  return out;
}

const char* TlsVersionText(TlsVersion version) {
  for (const TlsVersionName& name : kTlsVersionNames) {
    if (name.version == version) return name.text;
  }
  return "?";
}

const char* TlsDirectionText(TlsDirection direction) {
  switch (direction) {
    case TlsDirection::kEgress:
      return "egress";
    case TlsDirection::kIngress:
      return "ingress";
    case TlsDirection::kBoth:
      return "both";
  }
  return "?";
}

}  // namespace

std::vector<Cidr> PolicyPrefixes(const std::vector<Policy>& policies) {
  std::vector<Cidr> out;
  for (const Policy& p : policies) {
    std::vector<const std::vector<Rule>*> lists;
    if (p.network) lists = {&p.network->egress, &p.network->ingress};
    if (p.tls) lists.push_back(&p.tls->require_tls);
    for (const std::vector<Rule>* rules : lists) {
      for (const Rule& r : *rules) {
        for (const Peer& peer : r.peers) {
          if (!peer.ip_block) continue;
          out.push_back(peer.ip_block->cidr);
          out.insert(out.end(), peer.ip_block->except.begin(), peer.ip_block->except.end());
        }
      }
    }
  }
  return out;
}

std::string CanonicalNetworkText(const Policy& policy) {
  if (!policy.network) return "";
  const NetworkSpec& n = *policy.network;
  return absl::StrCat("cross=", n.cross_namespace == CrossNamespace::kAllow ? "allow" : "deny",
                      " host=", n.host_ingress == HostIngress::kAllow ? "allow" : "deny",
                      " egress=", RulesText(n.egress), " ingress=", RulesText(n.ingress));
}

std::string CanonicalTlsText(const Policy& policy) {
  if (!policy.tls) return "";
  const TlsSpec& t = *policy.tls;
  return absl::StrCat("mode=", policy.mode == Mode::kEnforce ? "enforce" : "audit",
                      " min=", TlsVersionText(t.min_version), " direction=", TlsDirectionText(t.direction),
                      " requireTLS=", RulesText(t.require_tls));
}

absl::StatusOr<Compiled> Compile(const std::vector<Policy>& policies, const Inventory& inventory,
                                 const std::vector<Cidr>& extra_prefixes) {
  Compiled out;
  out.prefixes = PrefixSet(policies, inventory, extra_prefixes);
  const NamespaceIndex index(inventory);

  // Which policies select each namespace, in name order.
  std::vector<const Policy*> sorted;
  for (const Policy& p : policies) {
    if (p.network || p.tls || p.containers) sorted.push_back(&p);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Policy* a, const Policy* b) { return a->name < b->name; });
  std::map<std::string, std::vector<const Policy*>> governing;
  for (const Policy* p : sorted) {
    for (const Namespace* ns : index.Select(p->namespace_selector)) governing[ns->name].push_back(p);
  }

  // Ruleset key parts. Names cannot hold ':', so a tls part never reads as a
  // network part.
  absl::flat_hash_map<const Policy*, std::string> network_text, tls_text;
  for (const Policy* p : sorted) {
    if (p->network) network_text[p] = absl::StrCat(p->name, "\n", CanonicalNetworkText(*p), "\n");
    if (p->tls) tls_text[p] = absl::StrCat("tls:", p->name, "\n", CanonicalTlsText(*p), "\n");
  }

  const RulesetCompiler compiler(index, out.prefixes);
  for (const auto& [ns, all] : governing) {
    std::vector<const Policy*> enforce, audit, tls, containers;
    for (const Policy* p : all) {
      if (p->network) (p->mode == Mode::kEnforce ? enforce : audit).push_back(p);
      if (p->tls) tls.push_back(p);
      if (p->containers) containers.push_back(p);
    }
    const bool enforcing = !enforce.empty();
    const std::vector<const Policy*>& effective = enforcing ? enforce : audit;

    // Containers sections hold no rules: under them alone the ruleset is the empty one.
    std::string key;
    for (const Policy* p : effective) key += network_text[p];
    for (const Policy* p : tls) key += tls_text[p];
    if (!out.rulesets.contains(key)) out.rulesets.emplace(key, compiler.Compile(key, effective, tls));
    out.governed.emplace(ns, GovernedNamespace{
                                 .ruleset_key = std::move(key),
                                 .mode = enforcing ? Mode::kEnforce : Mode::kAudit,
                                 .attributed_policy = effective.empty() ? "" : effective.front()->name,
                                 .network_governed = !effective.empty(),
                                 .tls = CompileTls(tls),
                                 .containers = CompileContainers(containers)});
  }
  return out;
}

}  // namespace nsfence::policy
