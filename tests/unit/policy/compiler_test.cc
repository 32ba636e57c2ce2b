#include "policy/compiler.h"

#include <algorithm>

#include "compile_inputs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> PeerNamespaces(const Ruleset& rs, Direction d) {
  std::vector<std::string> out;
  for (const CompiledRule& r : rs.rules) {
    if (r.direction == d && r.peer.kind == CompiledPeer::Kind::kNamespace) out.push_back(r.peer.namespace_name);
  }
  return out;
}

TEST(CompilerTest, OnlySelectedNamespacesAreGoverned) {
  auto c = Compile({NetworkPolicy("jobs", Labelled("tier", "job"))}, kCluster);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> governed;
  for (const auto& [ns, g] : c->governed) governed.push_back(ns);
  EXPECT_THAT(governed, ElementsAre("job-a", "job-b"));
}

TEST(CompilerTest, PolicyWithoutNetworkSectionGovernsNothing) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network.reset();
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->governed, IsEmpty());
}

TEST(CompilerTest, NamespacesUnderTheSamePoliciesShareOneRuleset) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->egress.push_back({.peers = {ToNamespace("api")}});
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->rulesets.size(), 1u);
  EXPECT_EQ(c->governed.at("job-a").ruleset_key, c->governed.at("job-b").ruleset_key);
}

TEST(CompilerTest, AllowsOfSeveralEnforcePoliciesAreAUnion) {
  Policy to_api = NetworkPolicy("to-api", Labelled("tier", "job"));
  to_api.network->egress.push_back({.peers = {ToNamespace("api")}});
  Policy to_monitoring = NetworkPolicy("to-monitoring", Labelled(kNamespaceNameLabel, "job-a"));
  to_monitoring.network->egress.push_back({.peers = {ToNamespace("monitoring")}});
  auto c = Compile({to_api, to_monitoring}, kCluster);
  ASSERT_TRUE(c.ok());
  const Ruleset& a = c->rulesets.at(c->governed.at("job-a").ruleset_key);
  const Ruleset& b = c->rulesets.at(c->governed.at("job-b").ruleset_key);
  EXPECT_THAT(PeerNamespaces(a, Direction::kEgress), UnorderedElementsAre("api", "monitoring"));
  EXPECT_THAT(PeerNamespaces(b, Direction::kEgress), ElementsAre("api"));
  EXPECT_EQ(c->governed.at("job-a").attributed_policy, "to-api") << "first by name";
}

TEST(CompilerTest, AuditNeverWeakensEnforcement) {
  Policy enforce = NetworkPolicy("strict", Labelled("tier", "job"));
  Policy audit = NetworkPolicy("trial", Labelled("tier", "job"), Mode::kAudit);
  audit.network->cross_namespace = CrossNamespace::kAllow;  // would allow everything
  auto c = Compile({enforce, audit}, kCluster);
  ASSERT_TRUE(c.ok());
  const GovernedNamespace& g = c->governed.at("job-a");
  EXPECT_EQ(g.mode, Mode::kEnforce);
  EXPECT_EQ(g.attributed_policy, "strict");
  EXPECT_THAT(c->rulesets.at(g.ruleset_key).rules, IsEmpty());
}

TEST(CompilerTest, AuditAloneReportsWhatItDoesNotAllow) {
  Policy audit = NetworkPolicy("trial", Labelled("tier", "job"), Mode::kAudit);
  audit.network->egress.push_back({.peers = {ToNamespace("api")}});
  auto c = Compile({audit}, kCluster);
  ASSERT_TRUE(c.ok());
  const GovernedNamespace& g = c->governed.at("job-a");
  EXPECT_EQ(g.mode, Mode::kAudit);
  EXPECT_THAT(PeerNamespaces(c->rulesets.at(g.ruleset_key), Direction::kEgress), ElementsAre("api"));
}

TEST(CompilerTest, CrossNamespaceAllowIsAnAnyRuleBothWays) {
  Policy p = NetworkPolicy("open", Labelled("tier", "job"));
  p.network->cross_namespace = CrossNamespace::kAllow;
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  const Ruleset& rs = c->rulesets.begin()->second;
  ASSERT_EQ(rs.rules.size(), 2u);
  for (const CompiledRule& r : rs.rules) {
    EXPECT_EQ(r.peer.kind, CompiledPeer::Kind::kAny);
    EXPECT_FALSE(r.protocol.has_value());
  }
}

TEST(CompilerTest, RuleWithoutPeersOrPortsAllowsAnyPeerAndPort) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->ingress.push_back({});
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  const Ruleset& rs = c->rulesets.begin()->second;
  ASSERT_EQ(rs.rules.size(), 1u);
  EXPECT_EQ(rs.rules[0].peer.kind, CompiledPeer::Kind::kAny);
  EXPECT_FALSE(rs.rules[0].protocol.has_value());
}

TEST(CompilerTest, PortsAreCrossedWithPeers) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->egress.push_back(
      {.peers = {ToNamespace("api"), ToNamespace("monitoring")},
       .ports = {{.protocol = Protocol::kTcp, .port = 8000, .end_port = 8100}, {.protocol = Protocol::kUdp}}});
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  const Ruleset& rs = c->rulesets.begin()->second;
  ASSERT_EQ(rs.rules.size(), 4u);
  const auto udp = std::find_if(rs.rules.begin(), rs.rules.end(),
                                [](const CompiledRule& r) { return r.protocol == Protocol::kUdp; });
  ASSERT_NE(udp, rs.rules.end());
  EXPECT_EQ(udp->first_port, 0);
  EXPECT_EQ(udp->last_port, 65535);
}

TEST(CompilerTest, IpBlockHoldsThePrefixesInsideItsCidrAndOutsideItsExcepts) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->egress.push_back(
      {.peers = {Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("0.0.0.0/0"), .except = {*Cidr::Parse("10.0.0.0/8")}}}}});
  Policy other = NetworkPolicy("other", Labelled(kNamespaceNameLabel, "api"));
  // Another policy names 10.1.0.0/16 and 192.168.0.0/16: both become trie prefixes.
  other.network->egress.push_back({.peers = {Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("10.1.0.0/16")}},
                                             Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("192.168.0.0/16")}}}});
  auto c = Compile({p, other}, kCluster);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> prefixes;
  for (const CompiledRule& r : c->rulesets.at(c->governed.at("job-a").ruleset_key).rules) {
    if (r.peer.kind == CompiledPeer::Kind::kPrefix) prefixes.push_back(r.peer.prefix.ToString());
  }
  EXPECT_THAT(prefixes, UnorderedElementsAre("0.0.0.0/0", "192.168.0.0/16"));
  EXPECT_EQ(c->prefixes.size(), 4u);
}

TEST(CompilerTest, HostIngressAllowsTheInventorysHostRanges) {
  inventory::Inventory inv = kCluster;
  inv.host_cidrs = {*Cidr::Parse("10.9.0.0/24")};
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->host_ingress = HostIngress::kAllow;
  auto c = Compile({p}, inv);
  ASSERT_TRUE(c.ok());
  const Ruleset& rs = c->rulesets.begin()->second;
  ASSERT_EQ(rs.rules.size(), 1u);
  EXPECT_EQ(rs.rules[0].direction, Direction::kIngress);
  EXPECT_EQ(rs.rules[0].peer.prefix.ToString(), "10.9.0.0/24");
  ASSERT_EQ(c->prefixes.size(), 1u);
  EXPECT_TRUE(c->prefixes[0].host);

  p.network->host_ingress = HostIngress::kDeny;
  c = Compile({p}, inv);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->rulesets.begin()->second.rules, IsEmpty());
}

TEST(CompilerTest, MatchExpressionsSelectNamespaces) {
  Policy p = NetworkPolicy("jobs", LabelSelector{.match_expressions = {
      {.key = "tier", .op = LabelRequirement::Operator::kNotIn, .values = {"job"}}}});
  auto c = Compile({p}, kCluster);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> governed;
  for (const auto& [ns, g] : c->governed) governed.push_back(ns);
  EXPECT_THAT(governed, ElementsAre("api", "free", "monitoring"));
}

TEST(CompilerTest, EditedPolicyGetsANewRulesetKey) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  auto before = Compile({p}, kCluster);
  p.network->egress.push_back({.peers = {ToNamespace("api")}});
  auto after = Compile({p}, kCluster);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->governed.at("job-a").ruleset_key, after->governed.at("job-a").ruleset_key);
}

TEST(CompilerTest, PolicyPrefixesListsCidrsAndExcepts) {
  Policy p = NetworkPolicy("jobs", Labelled("tier", "job"));
  p.network->ingress.push_back(
      {.peers = {Peer{.ip_block = IpBlock{.cidr = *Cidr::Parse("fd00::/8"), .except = {*Cidr::Parse("fd00:1::/32")}}}}});
  std::vector<std::string> out;
  for (const Cidr& c : PolicyPrefixes({p})) out.push_back(c.ToString());
  EXPECT_THAT(out, ElementsAre("fd00::/8", "fd00:1::/32"));
}

}  // namespace
}  // namespace nsfence::policy
