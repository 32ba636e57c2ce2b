// The compiler's handling of tls sections: floors, requireTLS rules, and
// namespaces governed only for TLS.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "compile_inputs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/compiler.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;



const Ruleset& RulesetOf(const Compiled& c, const std::string& ns) {
  return c.rulesets.at(c.governed.at(ns).ruleset_key);
}

TEST(CompilerTlsTest, TlsOnlyNamespacesAreGovernedWithUnrestrictedNetwork) {
  const absl::StatusOr<Compiled> c = Compile({TlsPolicy("tls", kJobs, TlsVersion::kTls12)}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> governed;
  for (const auto& [ns, g] : c->governed) governed.push_back(ns);
  EXPECT_THAT(governed, ElementsAre("job-a", "job-b"));
  const GovernedNamespace& g = c->governed.at("job-a");
  EXPECT_FALSE(g.network_governed);
  EXPECT_EQ(g.attributed_policy, "");
  EXPECT_EQ(g.tls.egress, (TlsFloor{.enforce = TlsVersion::kTls12}));
  EXPECT_EQ(g.tls.ingress, (TlsFloor{.enforce = TlsVersion::kTls12}));
  EXPECT_EQ(g.tls.policy, "tls");
  EXPECT_EQ(g.tls.audit_policy, "");
  EXPECT_THAT(RulesetOf(*c, "job-a").rules, IsEmpty()) << "no network allows, no requireTLS";
  EXPECT_THAT(RulesetOf(*c, "job-a").policies, ElementsAre("tls"));
}

TEST(CompilerTlsTest, NetworkSemanticsDoNotChangeWithTls) {
  // An enforce tls section does not make an audit network section enforce.
  Policy network = NetworkPolicy("net", kJobs, Mode::kAudit);
  const GovernedNamespace g = JobA({network, TlsPolicy("tls", kJobs, TlsVersion::kTls13)});
  EXPECT_TRUE(g.network_governed);
  EXPECT_EQ(g.mode, Mode::kAudit);
  EXPECT_EQ(g.attributed_policy, "net");
  EXPECT_EQ(g.tls.egress.enforce, TlsVersion::kTls13);

  const absl::StatusOr<Compiled> without = Compile({network}, kCluster);
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->governed.at("job-a").tls.egress.enforce.has_value()) << "no tls section, no floor";
}

TEST(CompilerTlsTest, EnforceFloorIsTheHighestAndNamesTheFirstPolicyAtIt) {
  const GovernedNamespace g =
      JobA({TlsPolicy("a", kJobs, TlsVersion::kTls12), TlsPolicy("b", kJobs, TlsVersion::kTls13, TlsDirection::kEgress),
            TlsPolicy("c", kJobs, TlsVersion::kTls13)});
  EXPECT_EQ(g.tls.egress.enforce, TlsVersion::kTls13);
  EXPECT_EQ(g.tls.ingress.enforce, TlsVersion::kTls13);
  EXPECT_EQ(g.tls.policy, "b") << "first by name to reach a floor";
}

TEST(CompilerTlsTest, FloorsArePerDirection) {
  const GovernedNamespace g = JobA({TlsPolicy("client", kJobs, TlsVersion::kTls13, TlsDirection::kEgress),
                                    TlsPolicy("server", kJobs, TlsVersion::kTls11, TlsDirection::kIngress)});
  EXPECT_EQ(g.tls.egress, (TlsFloor{.enforce = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.ingress, (TlsFloor{.enforce = TlsVersion::kTls11}));
  EXPECT_EQ(g.tls.policy, "client");
}

TEST(CompilerTlsTest, AuditFloorIsKeptOnlyAboveTheEnforceFloor) {
  GovernedNamespace g = JobA({TlsPolicy("enforce", kJobs, TlsVersion::kTls12),
                              TlsPolicy("trial", kJobs, TlsVersion::kTls13, TlsDirection::kBoth, Mode::kAudit)});
  EXPECT_EQ(g.tls.egress, (TlsFloor{.enforce = TlsVersion::kTls12, .audit = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.ingress, (TlsFloor{.enforce = TlsVersion::kTls12, .audit = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.policy, "enforce");
  EXPECT_EQ(g.tls.audit_policy, "trial");

  g = JobA({TlsPolicy("enforce", kJobs, TlsVersion::kTls13),
            TlsPolicy("trial", kJobs, TlsVersion::kTls13, TlsDirection::kBoth, Mode::kAudit)});
  EXPECT_EQ(g.tls.egress, (TlsFloor{.enforce = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.ingress, (TlsFloor{.enforce = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.audit_policy, "") << "audit at or below enforce reports nothing";

  // Only in the direction the audit policy covers, and above that direction's floor.
  g = JobA({TlsPolicy("enforce", kJobs, TlsVersion::kTls12),
            TlsPolicy("trial", kJobs, TlsVersion::kTls13, TlsDirection::kIngress, Mode::kAudit)});
  EXPECT_EQ(g.tls.egress, (TlsFloor{.enforce = TlsVersion::kTls12}));
  EXPECT_EQ(g.tls.ingress, (TlsFloor{.enforce = TlsVersion::kTls12, .audit = TlsVersion::kTls13}));
  EXPECT_EQ(g.tls.audit_policy, "trial");
}

TEST(CompilerTlsTest, AuditAloneSetsOnlyAnAuditFloor) {
  const GovernedNamespace g = JobA({TlsPolicy("trial", kJobs, TlsVersion::kTls12, TlsDirection::kEgress, Mode::kAudit)});
  EXPECT_EQ(g.tls.egress, (TlsFloor{.audit = TlsVersion::kTls12}));
  EXPECT_EQ(g.tls.ingress, TlsFloor{});
  EXPECT_EQ(g.tls.policy, "");
  EXPECT_EQ(g.tls.audit_policy, "trial");
}

TEST(CompilerTlsTest, RequireTlsRulesOfEnforceAndAuditPoliciesAreBothKept) {
  Policy enforce = TlsPolicy("enforce", kJobs, TlsVersion::kTls12);
  enforce.tls->require_tls.push_back(
      {.peers = {ToNamespace("api")}, .ports = {{.port = 443}, {.port = 8443, .end_port = 8444}}});
  enforce.tls->require_tls.push_back({});
  Policy audit = TlsPolicy("trial", kJobs, TlsVersion::kTls12, TlsDirection::kBoth, Mode::kAudit);
  audit.tls->require_tls.push_back({.peers = {ToNamespace("monitoring")}});
  const absl::StatusOr<Compiled> c = Compile({enforce, audit}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  const CompiledPeer api{.kind = CompiledPeer::Kind::kNamespace, .namespace_name = "api"};
  const CompiledPeer monitoring{.kind = CompiledPeer::Kind::kNamespace, .namespace_name = "monitoring"};
  EXPECT_THAT(
      RulesetOf(*c, "job-a").rules,
      ElementsAre(
          CompiledRule{Direction::kRequireTls, api, Protocol::kTcp, 443, 443, "enforce"},
          CompiledRule{Direction::kRequireTls, api, Protocol::kTcp, 8443, 8444, "enforce"},
          CompiledRule{Direction::kRequireTls, CompiledPeer{}, Protocol::kTcp, 0, 65535, "enforce"},
          CompiledRule{Direction::kRequireTlsAudit, monitoring, Protocol::kTcp, 0, 65535, "trial"}));
}

TEST(CompilerTlsTest, RequireTlsRulesJoinTheNetworkAllowsInOneRuleset) {
  Policy network = NetworkPolicy("net", kJobs);
  network.network->egress.push_back({.peers = {ToNamespace("api")}});
  Policy tls = TlsPolicy("tls", kJobs, TlsVersion::kTls12);
  tls.tls->require_tls.push_back({.peers = {Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("192.0.2.0/24")}}}});
  const absl::StatusOr<Compiled> c = Compile({network, tls}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->rulesets.size(), 1u) << "job-a and job-b share it";
  const Ruleset& rs = RulesetOf(*c, "job-a");
  EXPECT_THAT(rs.policies, ElementsAre("net", "tls"));
  ASSERT_EQ(rs.rules.size(), 2u);
  EXPECT_EQ(rs.rules[0].direction, Direction::kEgress);
  EXPECT_EQ(rs.rules[1].direction, Direction::kRequireTls);
  EXPECT_EQ(rs.rules[1].peer.kind, CompiledPeer::Kind::kPrefix);
  EXPECT_EQ(rs.rules[1].peer.prefix.ToString(), "192.0.2.0/24");
  ASSERT_EQ(c->prefixes.size(), 1u) << "a requireTLS ipBlock is a trie prefix";
  EXPECT_EQ(c->prefixes[0].cidr.ToString(), "192.0.2.0/24");
}

TEST(CompilerTlsTest, PolicyPrefixesListsRequireTlsBlocks) {
  Policy p = TlsPolicy("tls", kJobs, TlsVersion::kTls12);
  p.tls->require_tls.push_back(
      {.peers = {Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("fd00::/8"), .except = {*Cidr::Parse("fd00:1::/32")}}}}});
  std::vector<std::string> out;
  for (const Cidr& c : PolicyPrefixes({p})) out.push_back(c.ToString());
  EXPECT_THAT(out, ElementsAre("fd00::/8", "fd00:1::/32"));
}

TEST(CompilerTlsTest, ChangedTlsSectionGetsANewRulesetKey) {
  Policy p = NetworkPolicy("jobs", kJobs);
  const std::string network_only = JobA({p}).ruleset_key;
  p.tls = TlsSpec{};
  const std::string with_tls = JobA({p}).ruleset_key;
  EXPECT_NE(network_only, with_tls);

  std::vector<std::string> keys = {network_only, with_tls};
  p.tls->min_version = TlsVersion::kTls13;
  keys.push_back(JobA({p}).ruleset_key);
  p.tls->direction = TlsDirection::kIngress;
  keys.push_back(JobA({p}).ruleset_key);
  p.tls->require_tls.push_back({});
  keys.push_back(JobA({p}).ruleset_key);
  p.tls->require_tls[0].ports.push_back({.port = 443});
  keys.push_back(JobA({p}).ruleset_key);
  p.mode = Mode::kAudit;  // its requireTLS rules become audit rules
  keys.push_back(JobA({p}).ruleset_key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::unique(keys.begin(), keys.end()), keys.end()) << "every change, its own key";
}

}  // namespace
}  // namespace nsfence::policy
