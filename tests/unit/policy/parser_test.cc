#include "policy/parser.h"
#include "parse_inputs.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "support/diagnostic_texts.h"
#include "gtest/gtest.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

using ::nsfence::testing::Texts;

Cidr ParsedCidr(absl::string_view text) { return Cidr::Parse(text).value(); }

TEST(ParsePoliciesTest, ParsesTheFullExample) {
  const std::string file = NSFENCE_SOURCE_DIR "/tests/unit/policy/testdata/workflow-jobs.yaml";
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  const ParseResult result = ParsePolicies(text.str(), "workflow-jobs.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty()) << Texts(result.diagnostics)[0];
  ASSERT_THAT(result.policies, SizeIs(1));
  const Policy& policy = result.policies[0];

  EXPECT_EQ(policy.name, "workflow-jobs");
  EXPECT_EQ(policy.pos.ToString(), "workflow-jobs.yaml:5:9");
  EXPECT_EQ(policy.mode, Mode::kEnforce);
  EXPECT_THAT(policy.namespace_selector.match_labels, ElementsAre(Pair("nsfence.io/tier", "job")));
  EXPECT_THAT(
      policy.namespace_selector.match_expressions,
      ElementsAre(
          LabelRequirement{"nsfence.io/quarantine", LabelRequirement::Operator::kDoesNotExist, {}},
          LabelRequirement{"nsfence.io/team", LabelRequirement::Operator::kIn, {"ci", "data"}}));

  ASSERT_TRUE(policy.network.has_value());
  const NetworkSpec& network = *policy.network;
  EXPECT_EQ(network.cross_namespace, CrossNamespace::kDeny);
  EXPECT_EQ(network.host_ingress, HostIngress::kAllow);

  ASSERT_THAT(network.egress, SizeIs(1));
  const Rule& egress = network.egress[0];
  EXPECT_EQ(egress.pos.ToString(), "workflow-jobs.yaml:19:9");
  ASSERT_THAT(egress.peers, SizeIs(2));
  ASSERT_TRUE(egress.peers[0].namespace_selector.has_value());
  EXPECT_FALSE(egress.peers[0].ip_block.has_value());
  EXPECT_THAT(egress.peers[0].namespace_selector->match_labels,
              ElementsAre(Pair("kubernetes.io/metadata.name", "platform-api")));
  EXPECT_EQ(egress.peers[0].pos.ToString(), "workflow-jobs.yaml:20:13");
  ASSERT_TRUE(egress.peers[1].ip_block.has_value());
  EXPECT_FALSE(egress.peers[1].namespace_selector.has_value());
  EXPECT_EQ(egress.peers[1].ip_block->cidr, ParsedCidr("0.0.0.0/0"));
  EXPECT_THAT(egress.peers[1].ip_block->except, ElementsAre(ParsedCidr("10.0.0.0/8")));
  EXPECT_EQ(egress.peers[1].pos.ToString(), "workflow-jobs.yaml:21:13");

  ASSERT_THAT(egress.ports, SizeIs(3));
  EXPECT_EQ(egress.ports[0].protocol, Protocol::kTcp);
  EXPECT_EQ(egress.ports[0].port, 443);
  EXPECT_EQ(egress.ports[0].end_port, std::nullopt);
  EXPECT_EQ(egress.ports[0].pos.ToString(), "workflow-jobs.yaml:22:17");
  EXPECT_EQ(egress.ports[1].protocol, Protocol::kUdp);
  EXPECT_EQ(egress.ports[1].port, 53);
  EXPECT_EQ(egress.ports[2].protocol, Protocol::kTcp);
  EXPECT_EQ(egress.ports[2].first(), 8000);
  EXPECT_EQ(egress.ports[2].last(), 8100);

  ASSERT_THAT(network.ingress, SizeIs(1));
  const Rule& ingress = network.ingress[0];
  ASSERT_THAT(ingress.peers, SizeIs(1));
  EXPECT_EQ(ingress.peers[0].ip_block->cidr, ParsedCidr("fd00::/8"));
  EXPECT_THAT(ingress.peers[0].ip_block->except, IsEmpty());
  ASSERT_THAT(ingress.ports, SizeIs(1));
  EXPECT_EQ(ingress.ports[0].protocol, Protocol::kUdp);
  EXPECT_EQ(ingress.ports[0].port, std::nullopt) << "no port: every UDP port";
  EXPECT_EQ(ingress.ports[0].first(), 0);
  EXPECT_EQ(ingress.ports[0].last(), 65535);

  ASSERT_TRUE(policy.tls.has_value());
  const TlsSpec& tls = *policy.tls;
  EXPECT_EQ(tls.min_version, TlsVersion::kTls13);
  EXPECT_EQ(tls.direction, TlsDirection::kEgress);
  ASSERT_THAT(tls.require_tls, SizeIs(2));
  const Rule& require = tls.require_tls[0];
  EXPECT_EQ(require.pos.ToString(), "workflow-jobs.yaml:32:9");
  ASSERT_THAT(require.peers, SizeIs(2));
  EXPECT_THAT(require.peers[0].namespace_selector->match_labels,
              ElementsAre(Pair("kubernetes.io/metadata.name", "platform-api")));
  EXPECT_EQ(require.peers[1].ip_block->cidr, ParsedCidr("0.0.0.0/0"));
  ASSERT_THAT(require.ports, SizeIs(2));
  EXPECT_EQ(require.ports[0].protocol, Protocol::kTcp);
  EXPECT_EQ(require.ports[0].port, 443);
  EXPECT_EQ(require.ports[1].protocol, Protocol::kTcp) << "TCP by default";
  EXPECT_EQ(require.ports[1].first(), 8443);
  EXPECT_EQ(require.ports[1].last(), 8444);
  EXPECT_THAT(tls.require_tls[1].peers, IsEmpty()) << "every peer";
  EXPECT_THAT(tls.require_tls[1].ports, IsEmpty()) << "every TCP port";
}

TEST(ParsePoliciesTest, AppliesDefaults) {
  const ParseResult result = ParsePolicies(PolicyWith("  network:\n"
                                                      "    egress:\n"
                                                      "      - ports: [{port: 80}]\n"
                                                      "      - {}\n"
                                                      "    ingress: [{from: [], ports: []}]\n"),
                                           "f.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty()) << Texts(result.diagnostics)[0];
  const Policy& policy = result.policies.at(0);
  EXPECT_EQ(policy.mode, Mode::kEnforce);
  EXPECT_TRUE(policy.namespace_selector.empty());
  ASSERT_TRUE(policy.network.has_value());
  EXPECT_EQ(policy.network->cross_namespace, CrossNamespace::kDeny);
  EXPECT_EQ(policy.network->host_ingress, HostIngress::kAllow);
  ASSERT_THAT(policy.network->egress, SizeIs(2));
  EXPECT_EQ(policy.network->egress[0].ports.at(0).protocol, Protocol::kTcp);
  EXPECT_THAT(policy.network->egress[0].peers, IsEmpty()) << "every peer";
  EXPECT_THAT(policy.network->egress[1].ports, IsEmpty()) << "every port";
  ASSERT_THAT(policy.network->ingress, SizeIs(1));
  EXPECT_THAT(policy.network->ingress[0].peers, IsEmpty());
  EXPECT_THAT(policy.network->ingress[0].ports, IsEmpty());
}

TEST(ParsePoliciesTest, NetworkAbsentMeansNotGoverned) {
  const ParseResult result = ParsePolicies(PolicyWith("  mode: audit\n"), "f.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty());
  EXPECT_EQ(result.policies.at(0).mode, Mode::kAudit);
  EXPECT_FALSE(result.policies.at(0).network.has_value());
}

TEST(ParsePoliciesTest, TlsDefaultsToTls12BothWaysWithoutRequireTls) {
  const ParseResult result = ParsePolicies(PolicyWith("  tls: {}\n"), "f.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty()) << Texts(result.diagnostics)[0];
  const Policy& policy = result.policies.at(0);
  EXPECT_FALSE(policy.network.has_value());
  ASSERT_TRUE(policy.tls.has_value());
  EXPECT_EQ(policy.tls->min_version, TlsVersion::kTls12);
  EXPECT_EQ(policy.tls->direction, TlsDirection::kBoth);
  EXPECT_THAT(policy.tls->require_tls, IsEmpty());
}

TEST(ParsePoliciesTest, TlsAbsentSetsNoFloor) {
  const ParseResult result = ParsePolicies(PolicyWith("  network: {}\n"), "f.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty());
  EXPECT_FALSE(result.policies.at(0).tls.has_value());
}

TEST(ParsePoliciesTest, MinVersionIsTheScalarTextQuotedOrNot) {
  const std::vector<std::pair<std::string, TlsVersion>> cases = {
      {"1.0", TlsVersion::kTls10},     {"\"1.1\"", TlsVersion::kTls11}, {"1.2", TlsVersion::kTls12},
      {"'1.3'", TlsVersion::kTls13}};
  for (const auto& [text, version] : cases) {
    const ParseResult result =
        ParsePolicies(PolicyWith("  tls: {minVersion: " + text + ", direction: ingress}\n"), "f.yaml");
    ASSERT_THAT(result.diagnostics, IsEmpty()) << text << ": " << Texts(result.diagnostics)[0];
    EXPECT_EQ(result.policies.at(0).tls->min_version, version) << text;
    EXPECT_EQ(result.policies.at(0).tls->direction, TlsDirection::kIngress);
  }
}

TEST(ParsePoliciesTest, BadMinVersion) {
  constexpr char kExpected[] =
      "spec.tls.minVersion: expected one of \"1.0\", \"1.1\", \"1.2\", \"1.3\", got ";
  EXPECT_THAT(Errors(PolicyWith("  tls:\n    minVersion: 1.4\n")),
              ElementsAre(absl::StrCat("f.yaml:8:17: ", kExpected, "\"1.4\"")));
  EXPECT_THAT(Errors(PolicyWith("  tls: {minVersion: 1.30}\n")),
              ElementsAre(absl::StrCat("f.yaml:7:21: ", kExpected, "\"1.30\"")));
  EXPECT_THAT(Errors(PolicyWith("  tls: {minVersion: TLSv1.2}\n")),
              ElementsAre(absl::StrCat("f.yaml:7:21: ", kExpected,
                                       "\"TLSv1.2\" (write the version number alone, e.g. \"1.2\")")));
  EXPECT_THAT(Errors(PolicyWith("  tls: {minVersion: [1.2]}\n")),
              ElementsAre("f.yaml:7:21: spec.tls.minVersion: expected a string, got a sequence"));
}

TEST(ParsePoliciesTest, TlsUnknownFieldAndDirection) {
  EXPECT_THAT(Errors(PolicyWith("  tls:\n"
                                "    direction: outbound\n"
                                "    minversion: \"1.2\"\n")),
              ElementsAre("f.yaml:8:16: spec.tls.direction: expected one of egress, ingress, both, "
                          "got \"outbound\"",
                          "f.yaml:9:5: unknown field \"minversion\" in spec.tls (expected one of: "
                          "minVersion, direction, requireTLS)"));
}

TEST(ParsePoliciesTest, RequireTlsTakesEgressPeersAndTcpPorts) {
  EXPECT_THAT(Errors(PolicyWith("  tls:\n"
                                "    requireTLS:\n"
                                "      - from: []\n"
                                "      - to: [{ipBlock: {cidr: 10.0.0.1/8}}]\n"
                                "        ports:\n"
                                "          - {protocol: UDP, port: 443}\n"
                                "          - {protocol: SCTP}\n"
                                "          - {port: 0}\n")),
              ElementsAre("f.yaml:9:9: unknown field \"from\" in spec.tls.requireTLS[0] (expected "
                          "one of: to, ports)",
                          "f.yaml:10:31: spec.tls.requireTLS[1].to[0].ipBlock.cidr: \"10.0.0.1/8\" "
                          "has host bits set (did you mean 10.0.0.0/8?)",
                          "f.yaml:12:24: spec.tls.requireTLS[1].ports[0].protocol: UDP is not "
                          "supported here: TLS over UDP (QUIC, DTLS) is not inspected (expected TCP)",
                          "f.yaml:13:24: spec.tls.requireTLS[1].ports[1].protocol: SCTP is not "
                          "supported (expected TCP)",
                          "f.yaml:14:20: spec.tls.requireTLS[1].ports[2].port: expected an integer "
                          "from 1 to 65535, got 0"));
}

TEST(ParsePoliciesTest, ReadsEveryDocumentAndSkipsEmptyOnes) {
  const std::string text = "---\n" + PolicyWith("") + "---\n# nothing here\n---\n" +
                           "apiVersion: nsfence.io/v1alpha1\n"
                           "kind: IsolationPolicy\n"
                           "metadata: {name: second}\n"
                           "spec:\n"
                           "  namespaceSelector: {matchLabels: {a: b}}\n"
                           "  network:\n"
                           "    crossNamespace: allow\n"
                           "    hostIngress: deny\n";
  const ParseResult result = ParsePolicies(text, "f.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty()) << Texts(result.diagnostics)[0];
  ASSERT_THAT(result.policies, SizeIs(2));
  EXPECT_EQ(result.policies[0].name, "p");
  EXPECT_EQ(result.policies[1].name, "second");
  EXPECT_EQ(result.policies[1].pos.ToString(), "f.yaml:13:18");
  EXPECT_EQ(result.policies[1].network->cross_namespace, CrossNamespace::kAllow);
  EXPECT_EQ(result.policies[1].network->host_ingress, HostIngress::kDeny);
}

TEST(ParsePoliciesTest, EmptyFileHasNoPolicies) {
  const ParseResult result = ParsePolicies("# all policies removed\n", "f.yaml");
  EXPECT_TRUE(result.ok());
  EXPECT_THAT(result.policies, IsEmpty());
}

TEST(ParsePoliciesTest, UnknownField) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n    foo: 1\n")),
              ElementsAre("f.yaml:8:5: unknown field \"foo\" in spec.network (expected one of: "
                          "crossNamespace, egress, ingress, hostIngress)"));
  EXPECT_THAT(Errors(PolicyWith("status: {}\n")),
              ElementsAre("f.yaml:7:1: unknown field \"status\" (expected one of: apiVersion, "
                          "kind, metadata, spec)"));
}

TEST(ParsePoliciesTest, PeersFieldMustMatchTheDirection) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n    ingress: [{to: []}]\n    egress: [{from: []}]\n")),
              ElementsAre("f.yaml:8:16: unknown field \"to\" in spec.network.ingress[0] (expected "
                          "one of: from, ports)",
                          "f.yaml:9:15: unknown field \"from\" in spec.network.egress[0] (expected "
                          "one of: to, ports)"));
}

TEST(ParsePoliciesTest, WrongType) {
  EXPECT_THAT(Errors(PolicyWith("  network: [deny]\n")),
              ElementsAre("f.yaml:7:12: spec.network: expected a mapping, got a sequence"));
  EXPECT_THAT(Errors(PolicyWith("  network: {egress: {to: []}}\n")),
              ElementsAre("f.yaml:7:21: spec.network.egress: expected a sequence, got a mapping"));
}

TEST(ParsePoliciesTest, UnknownMode) {
  EXPECT_THAT(Errors(PolicyWith("  mode: enforc\n")),
              ElementsAre("f.yaml:7:9: spec.mode: expected one of enforce, audit, got \"enforc\""));
}

TEST(ParsePoliciesTest, UnknownNetworkDefaults) {
  EXPECT_THAT(Errors(PolicyWith("  network: {crossNamespace: block, hostIngress: yes}\n")),
              ElementsAre("f.yaml:7:29: spec.network.crossNamespace: expected one of deny, allow, "
                          "got \"block\"",
                          "f.yaml:7:49: spec.network.hostIngress: expected one of allow, deny, "
                          "got \"yes\""));
}

TEST(ParsePoliciesTest, BadCidr) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n"
                                "    egress:\n"
                                "      - to:\n"
                                "          - ipBlock: {cidr: 10.0.0.1/8}\n"
                                "          - ipBlock: {cidr: 10.0.0.0/33}\n"
                                "          - ipBlock: {cidr: example.com}\n"
                                "          - ipBlock: {except: [10.0.0.0/8]}\n")),
              ElementsAre("f.yaml:10:29: spec.network.egress[0].to[0].ipBlock.cidr: \"10.0.0.1/8\" "
                          "has host bits set (did you mean 10.0.0.0/8?)",
                          "f.yaml:11:29: spec.network.egress[0].to[1].ipBlock.cidr: "
                          "\"10.0.0.0/33\" has a bad prefix length (expected 0 to 32)",
                          "f.yaml:12:29: spec.network.egress[0].to[2].ipBlock.cidr: "
                          "\"example.com\" is not a CIDR (expected address/prefix, e.g. 10.0.0.0/8 "
                          "or fd00::/64)",
                          "f.yaml:13:22: missing required field \"cidr\" in "
                          "spec.network.egress[0].to[3].ipBlock"));
}

TEST(ParsePoliciesTest, ExceptMustBeStrictlyInsideCidr) {
  EXPECT_THAT(
      Errors(PolicyWith(
          "  network:\n"
          "    egress:\n"
          "      - to:\n"
          "          - ipBlock:\n"
          "              cidr: 10.0.0.0/8\n"
          "              except: [10.1.0.0/16, 192.168.0.0/16, \"fd00::/8\", 10.0.0.0/8]\n")),
      ElementsAre("f.yaml:12:37: spec.network.egress[0].to[0].ipBlock.except[1]: 192.168.0.0/16 is "
                  "not inside cidr 10.0.0.0/8",
                  "f.yaml:12:53: spec.network.egress[0].to[0].ipBlock.except[2]: fd00::/8 is not "
                  "of the address family of cidr 10.0.0.0/8",
                  "f.yaml:12:65: spec.network.egress[0].to[0].ipBlock.except[3]: 10.0.0.0/8 "
                  "excludes all of cidr 10.0.0.0/8; it must be strictly smaller"));
}

TEST(ParsePoliciesTest, PortOutOfRange) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n    egress: [{ports: [{port: 0}, {port: 65536}]}]\n")),
              ElementsAre("f.yaml:8:30: spec.network.egress[0].ports[0].port: expected an integer "
                          "from 1 to 65535, got 0",
                          "f.yaml:8:41: spec.network.egress[0].ports[1].port: expected an integer "
                          "from 1 to 65535, got 65536"));
}

TEST(ParsePoliciesTest, NamedPort) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n    egress: [{ports: [{port: http}]}]\n")),
              ElementsAre("f.yaml:8:30: spec.network.egress[0].ports[0].port: expected an integer "
                          "from 1 to 65535, got \"http\" (named ports are not supported, use a "
                          "number)"));
}

TEST(ParsePoliciesTest, EndPortNeedsPortAndMustNotBeBelowIt) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n"
                                "    egress:\n"
                                "      - ports:\n"
                                "          - {endPort: 80}\n"
                                "          - {port: 443, endPort: 80}\n"
                                "          - {port: 443, endPort: 443}\n")),
              ElementsAre("f.yaml:10:23: spec.network.egress[0].ports[0].endPort: needs port, the "
                          "first port of the range",
                          "f.yaml:11:34: spec.network.egress[0].ports[1].endPort: 80 is below port "
                          "443"));
}

TEST(ParsePoliciesTest, UnknownProtocol) {
  EXPECT_THAT(Errors(PolicyWith("  network:\n"
                                "    ingress:\n"
                                "      - ports:\n"
                                "          - {protocol: SCTP}\n"
                                "          - {protocol: tcp}\n")),
              ElementsAre("f.yaml:10:24: spec.network.ingress[0].ports[0].protocol: SCTP is not "
                          "supported (expected TCP or UDP)",
                          "f.yaml:11:24: spec.network.ingress[0].ports[1].protocol: expected one "
                          "of TCP, UDP, got \"tcp\""));
}

TEST(ParsePoliciesTest, PodSelectorIsRefused) {
  EXPECT_THAT(Errors(PolicyWith("  podSelector: {}\n"
                                "  network:\n"
                                "    egress:\n"
                                "      - to:\n"
                                "          - namespaceSelector: {}\n"
                                "            podSelector: {matchLabels: {app: db}}\n")),
              ElementsAre("f.yaml:7:3: spec.podSelector: not supported: nsfence isolates "
                          "namespaces, not pods; select peers with namespaceSelector",
                          "f.yaml:12:13: spec.network.egress[0].to[0].podSelector: not supported: "
                          "nsfence isolates namespaces, not pods; select peers with "
                          "namespaceSelector"));
}

TEST(ParsePoliciesTest, PeerTakesExactlyOneKind) {
  EXPECT_THAT(
      Errors(PolicyWith("  network:\n"
                        "    egress:\n"
                        "      - to:\n"
                        "          - {}\n"
                        "          - {namespaceSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}\n")),
      ElementsAre("f.yaml:10:13: spec.network.egress[0].to[0]: expected one of "
                  "namespaceSelector or ipBlock",
                  "f.yaml:11:13: spec.network.egress[0].to[1]: a peer takes one of "
                  "namespaceSelector and ipBlock, not both (write two peers)"));
}

TEST(ParsePoliciesTest, SelectorExpressions) {
  EXPECT_THAT(Errors("apiVersion: nsfence.io/v1alpha1\n"
                     "kind: IsolationPolicy\n"
                     "metadata: {name: p}\n"
                     "spec:\n"
                     "  namespaceSelector:\n"
                     "    matchLabels: {Bad/key: x}\n"
                     "    matchExpressions:\n"
                     "      - {key: a, operator: In}\n"
                     "      - {key: b, operator: NotIn, values: []}\n"
                     "      - {key: c, operator: Exists, values: [x]}\n"
                     "      - {key: d, operator: Matches}\n"
                     "      - {operator: DoesNotExist}\n"),
              ElementsAre("f.yaml:6:19: spec.namespaceSelector.matchLabels[\"Bad/key\"]: "
                          "\"Bad/key\" is not a valid label key (the prefix before '/' must be a "
                          "DNS-1123 subdomain, e.g. nsfence.io)",
                          "f.yaml:8:9: spec.namespaceSelector.matchExpressions[0]: operator In "
                          "needs at least one value in values",
                          "f.yaml:9:43: spec.namespaceSelector.matchExpressions[1].values: "
                          "operator NotIn needs at least one value in values",
                          "f.yaml:10:44: spec.namespaceSelector.matchExpressions[2].values: "
                          "operator Exists takes no values",
                          "f.yaml:11:28: spec.namespaceSelector.matchExpressions[3].operator: "
                          "expected one of In, NotIn, Exists, DoesNotExist, got \"Matches\"",
                          "f.yaml:12:9: missing required field \"key\" in "
                          "spec.namespaceSelector.matchExpressions[4]"));
}

TEST(ParsePoliciesTest, YamlSyntaxError) {
  EXPECT_THAT(Errors(PolicyWith("  network: {egress: [\n")),
              ElementsAre("f.yaml:8:1: YAML syntax error: end of sequence flow not found"));
}

TEST(ParsePoliciesTest, MissingRequiredFields) {
  EXPECT_THAT(Errors("kind: IsolationPolicy\nmetadata: {}\n"),
              ElementsAre("f.yaml:1:1: missing required field \"apiVersion\""));
  EXPECT_THAT(Errors("apiVersion: nsfence.io/v1alpha1\nkind: IsolationPolicy\nmetadata: {}\n"),
              ElementsAre("f.yaml:1:1: missing required field \"spec\"",
                          "f.yaml:3:11: missing required field \"name\" in metadata"));
  EXPECT_THAT(Errors("apiVersion: nsfence.io/v1alpha1\nkind: IsolationPolicy\n"
                     "metadata: {name: p}\nspec: {mode: audit}\n"),
              ElementsAre("f.yaml:4:7: missing required field \"namespaceSelector\" in spec"));
}

TEST(ParsePoliciesTest, WrongApiVersionOrKindStopsTheDocument) {
  EXPECT_THAT(Errors("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                     "spec: {podSelector: {}, policyTypes: [Egress]}\n"),
              ElementsAre("f.yaml:1:13: apiVersion: expected nsfence.io/v1alpha1, got "
                          "\"networking.k8s.io/v1\"",
                          "f.yaml:2:7: kind: expected IsolationPolicy, got \"NetworkPolicy\""));
}

TEST(ParsePoliciesTest, MetadataChecks) {
  EXPECT_THAT(Errors("apiVersion: nsfence.io/v1alpha1\n"
                     "kind: IsolationPolicy\n"
                     "metadata:\n"
                     "  name: Workflow_Jobs\n"
                     "  namespace: default\n"
                     "  annotations: {note: [x]}\n"
                     "spec: {namespaceSelector: {}}\n"),
              ElementsAre("f.yaml:4:9: metadata.name: \"Workflow_Jobs\" is not a valid DNS-1123 "
                          "subdomain (at most 253 characters of a-z, 0-9, '-' and '.', each "
                          "dot-separated part starting and ending with a letter or digit)",
                          "f.yaml:5:3: metadata.namespace: not allowed: an IsolationPolicy is "
                          "cluster-scoped",
                          "f.yaml:6:23: metadata.annotations[\"note\"]: expected a string, got a "
                          "sequence"));
}

TEST(ParsePoliciesTest, DuplicateFieldInAMapping) {
  EXPECT_THAT(Errors(PolicyWith("  mode: audit\n  mode: enforce\n")),
              ElementsAre("f.yaml:8:3: duplicate field \"mode\" in spec (first at f.yaml:7:3)"));
}

TEST(ParsePoliciesTest, DuplicateNameInOneFile) {
  EXPECT_THAT(Errors(PolicyWith("---\n") + PolicyWith("")),
              ElementsAre("f.yaml:11:9: policy \"p\" is already defined at f.yaml:4:9"));
}

TEST(ParsePoliciesTest, ReportsEveryErrorOfAFileInOrder) {
  const std::vector<std::string> errors =
      Errors(PolicyWith("  mode: x\n"
                        "  network:\n"
                        "    egress: [{ports: [{port: 0}]}]\n"
                        "---\n"
                        "kind: Other\n"));
  ASSERT_THAT(errors, SizeIs(4));
  EXPECT_THAT(errors[0], ::testing::StartsWith("f.yaml:7:9: spec.mode:"));
  EXPECT_THAT(errors[1],
              ::testing::StartsWith("f.yaml:9:30: spec.network.egress[0].ports[0].port:"));
  EXPECT_THAT(errors[2],
              ::testing::StartsWith("f.yaml:11:1: missing required field \"apiVersion\""));
  EXPECT_THAT(errors[3], ::testing::StartsWith("f.yaml:11:7: kind:"));
}

TEST(ParsePoliciesTest, DocumentMustBeAMapping) {
  EXPECT_THAT(Errors("- a\n- b\n"), ElementsAre("f.yaml:1:1: expected a mapping, got a sequence"));
}

}  // namespace
}  // namespace nsfence::policy
