#include "loader/materialize.h"

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <tuple>

#include "fake_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::loader {
namespace {

TEST(PortPrefixesTest, WholeRangeIsOnePrefix) {
  EXPECT_THAT(PortPrefixes(0, 65535), ::testing::ElementsAre(std::pair<uint16_t, int>{0, 0}));
}

TEST(PortPrefixesTest, SinglePort) {
  EXPECT_THAT(PortPrefixes(443, 443), ::testing::ElementsAre(std::pair<uint16_t, int>{443, 16}));
}

TEST(PortPrefixesTest, PolicyExampleRange) {
  // 8000-8100 (the policy example): covered exactly, in a few prefixes.
  const auto prefixes = PortPrefixes(8000, 8100);
  std::set<int> covered;
  for (const auto& [port, bits] : prefixes) {
    for (uint32_t p = port; p < port + (1u << (16 - bits)); ++p) covered.insert(static_cast<int>(p));
  }
  EXPECT_EQ(covered.size(), 101u);
  EXPECT_EQ(*covered.begin(), 8000);
  EXPECT_EQ(*covered.rbegin(), 8100);
  EXPECT_LE(prefixes.size(), 30u);
}

TEST(PortPrefixesTest, RandomRangesAreCoveredExactlyWithoutOverlap) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    uint16_t a = rng() % 65536, b = rng() % 65536;
    if (a > b) std::swap(a, b);
    size_t total = 0;
    uint32_t next = a;
    for (const auto& [port, bits] : PortPrefixes(a, b)) {
      const uint32_t size = 1u << (16 - bits);
      ASSERT_EQ(port, next) << "prefixes are contiguous and in order";
      ASSERT_EQ(port % size, 0u) << "each prefix is aligned";
      next += size;
      total += size;
    }
    ASSERT_EQ(total, static_cast<size_t>(b - a + 1)) << a << "-" << b;
  }
}

class MaterializeTest : public ::testing::Test {
 protected:
  MaterializeTest() : registry_map_("nsf_registry", sizeof(nsfence_registry_key), sizeof(nsfence_registry_value), nullptr), registry_(&registry_map_) {
    registry_.BeginRound();
    inventory_.namespaces = {{.name = "a", .labels = {{kNamespaceNameLabel, "a"}}},
                             {.name = "b", .labels = {{kNamespaceNameLabel, "b"}}}};
    inventory_.pods = {{.name = "pa", .namespace_name = "a", .uid = "1", .ips = {*IpAddress::Parse("10.0.0.2")}, .cgroup = "pods/a"},
                       {.name = "pb", .namespace_name = "b", .uid = "2", .ips = {*IpAddress::Parse("fd00::2")}, .cgroup = "pods/missing"}};
  }

  absl::StatusOr<Materialized> Run(const policy::Compiled& compiled) {
    return Materialize(compiled, inventory_, registry_, [](const std::string& cg) -> absl::StatusOr<uint64_t> {
      if (cg == "pods/a") return 1234;
      return absl::NotFoundError("no such cgroup");
    });
  }

  FakeMap registry_map_;
  Registry registry_;
  inventory::Inventory inventory_;
};

TEST_F(MaterializeTest, PodsBecomeAddressesAndEndpoints) {
  auto m = Run(policy::Compiled{});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->state.endpoints.size(), 1u);
  const uint32_t identity_a = m->state.endpoints.at(1234).v.identity;
  EXPECT_EQ(registry_.Name(NSFENCE_REG_IDENTITY, identity_a), "a");
  ASSERT_EQ(m->state.pod_addrs.size(), 2u);
  EXPECT_TRUE(m->state.peers.empty()) << "no policy names a prefix";
  nsfence_addr_key v6{};
  v6.family = NSFENCE_FAMILY_V6;
  v6.addr[0] = 0xfd;
  v6.addr[15] = 2;
  ASSERT_TRUE(m->state.pod_addrs.contains(AddrKey(v6)));
  EXPECT_EQ(m->state.pod_addrs.at(AddrKey(v6)).v.kind, NSFENCE_PEER_POD);
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_THAT(m->warnings[0], ::testing::HasSubstr("pod b/pb is not enforced on this node"));
  EXPECT_TRUE(m->state.identities.empty()) << "no policy governs anything";
}

TEST_F(MaterializeTest, GovernedNamespaceGetsItsRulesetAndPolicy) {
  policy::Compiled c;
  policy::Ruleset rs{.key = "k", .policies = {"p"}};
  rs.rules.push_back({.direction = policy::Direction::kEgress,
                      .peer = {.kind = policy::CompiledPeer::Kind::kNamespace, .namespace_name = "b"},
                      .protocol = policy::Protocol::kTcp, .first_port = 80, .last_port = 81, .policy = "p"});
  rs.rules.push_back({.direction = policy::Direction::kIngress, .policy = "p"});  // any peer, anything
  c.rulesets.emplace("k", rs);
  c.governed.emplace("a", policy::GovernedNamespace{.ruleset_key = "k", .mode = policy::Mode::kAudit, .attributed_policy = "p"});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const uint32_t a = m->state.endpoints.at(1234).v.identity;
  ASSERT_TRUE(m->state.identities.contains(a));
  const nsfence_identity cfg = m->state.identities.at(a).v;
  EXPECT_EQ(cfg.mode, NSFENCE_MODE_AUDIT);
  EXPECT_EQ(m->policy_names.at(cfg.policy), "p");

  ASSERT_EQ(m->state.rule_ranges.size(), 1u);  // 80-81 is one prefix
  const auto& [range, range_value] = *m->state.rule_ranges.begin();
  EXPECT_EQ(range.v.ruleset, cfg.ruleset);
  EXPECT_EQ(range.v.direction, NSFENCE_DIR_EGRESS);
  EXPECT_EQ(range.v.prefixlen, NSFENCE_RULE_PREFIX_ANY_PORT + 15);
  EXPECT_EQ(ntohs(range.v.port), 80);
  EXPECT_EQ(range.v.protocol, 6);
  EXPECT_EQ(registry_.Name(NSFENCE_REG_IDENTITY, range.v.peer), "b");
  EXPECT_EQ(m->policy_names.at(range_value.v.policy), "p");

  ASSERT_EQ(m->state.rules.size(), 1u);  // the any-peer, any-protocol ingress rule
  const nsfence_rule_key any = m->state.rules.begin()->first.v;
  EXPECT_EQ(any.ruleset, cfg.ruleset);
  EXPECT_EQ(any.direction, NSFENCE_DIR_INGRESS);
  EXPECT_EQ(any.prefixlen, NSFENCE_RULE_PREFIX_ANY_PROTOCOL);
  EXPECT_EQ(any.peer, static_cast<uint32_t>(NSFENCE_ID_ANY));
  EXPECT_EQ(any.protocol, 0);
  EXPECT_EQ(any.port, 0);
}

TEST_F(MaterializeTest, ExactPortsAndWholeProtocolsAreHashEntries) {
  policy::Compiled c;
  policy::Ruleset rs{.key = "k", .policies = {"p"}};
  rs.rules.push_back({.protocol = policy::Protocol::kTcp, .first_port = 443, .last_port = 443, .policy = "p"});
  rs.rules.push_back({.protocol = policy::Protocol::kUdp, .first_port = 0, .last_port = 65535, .policy = "p"});
  c.rulesets.emplace("k", rs);
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->state.rule_ranges.empty());
  std::set<std::pair<uint32_t, int>> keys;
  for (const auto& [key, value] : m->state.rules) keys.insert({key.v.prefixlen, ntohs(key.v.port)});
  EXPECT_EQ(keys, (std::set<std::pair<uint32_t, int>>{{NSFENCE_RULE_PREFIX_FULL, 443}, {NSFENCE_RULE_PREFIX_ANY_PORT, 0}}));
}

TEST_F(MaterializeTest, TlsOnlyNamespaceIsFlaggedAndCarriesItsFloors) {
  policy::Compiled c;
  c.rulesets.emplace("k", policy::Ruleset{.key = "k", .policies = {"floor", "trial"}});
  c.governed.emplace(
      "a", policy::GovernedNamespace{
               .ruleset_key = "k",
               .network_governed = false,
               .tls = {.egress = {.enforce = policy::TlsVersion::kTls12, .audit = policy::TlsVersion::kTls13},
                       .ingress = {.enforce = policy::TlsVersion::kTls11},
                       .policy = "floor",
                       .audit_policy = "trial"}});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;
  EXPECT_EQ(cfg.flags, static_cast<uint32_t>(NSFENCE_IDENTITY_NO_NETWORK));
  EXPECT_EQ(cfg.policy, 0u);
  EXPECT_EQ(cfg.mode, NSFENCE_MODE_ENFORCE);
  EXPECT_NE(cfg.ruleset, 0u);
  EXPECT_EQ(cfg.tls.egress_enforce, NSFENCE_TLS_1_2);
  EXPECT_EQ(cfg.tls.egress_audit, NSFENCE_TLS_1_3);
  EXPECT_EQ(cfg.tls.ingress_enforce, NSFENCE_TLS_1_1);
  EXPECT_EQ(cfg.tls.ingress_audit, NSFENCE_TLS_NONE);
  EXPECT_EQ(m->policy_names.at(cfg.tls_policy), "floor");
  EXPECT_EQ(m->policy_names.at(cfg.tls_audit_policy), "trial");
  EXPECT_EQ(registry_.Name(NSFENCE_REG_POLICY, cfg.tls_policy), "floor");
}

TEST_F(MaterializeTest, NetworkGovernedNamespaceWithoutTlsHasNoFloorsOrFlags) {
  policy::Compiled c;
  c.rulesets.emplace("k", policy::Ruleset{.key = "k", .policies = {"p"}});
  c.governed.emplace("a", policy::GovernedNamespace{.ruleset_key = "k", .attributed_policy = "p"});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;
  EXPECT_EQ(cfg.flags, 0u);
  EXPECT_EQ(cfg.mode, NSFENCE_MODE_ENFORCE);
  EXPECT_EQ(m->policy_names.at(cfg.policy), "p");
  EXPECT_EQ(cfg.tls.egress_enforce, NSFENCE_TLS_NONE);
  EXPECT_EQ(cfg.tls.ingress_enforce, NSFENCE_TLS_NONE);
  EXPECT_EQ(cfg.tls_policy, 0u);
  EXPECT_EQ(cfg.tls_audit_policy, 0u);
  const nsfence_exec_policy none{};
  EXPECT_EQ(std::memcmp(&cfg.exec, &none, sizeof(none)), 0) << "no containers section: containers not judged";
}

TEST_F(MaterializeTest, ContainersOnlyNamespaceIsFlaggedAndCarriesItsExecPolicy) {
  policy::Compiled c;
  c.rulesets.emplace("", policy::Ruleset{});
  c.governed.emplace("a", policy::GovernedNamespace{.ruleset_key = "",
                                                    .network_governed = false,
                                                    .containers = {.denied_caps = 0xffff'ffff'0000'0000,
                                                                   .audited_caps = CapabilityBit(12),
                                                                   .host_ns_denied = NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET,
                                                                   .host_ns_audited = NSFENCE_HOST_NS_IPC,
                                                                   .policy = "strict",
                                                                   .audit_policy = "trial",
                                                                   .devices = policy::Mode::kEnforce}});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;
  EXPECT_EQ(cfg.flags, static_cast<uint32_t>(NSFENCE_IDENTITY_NO_NETWORK));
  EXPECT_EQ(cfg.policy, 0u);
  EXPECT_NE(cfg.ruleset, 0u);
  EXPECT_EQ(cfg.tls_policy, 0u);
  EXPECT_EQ(cfg.exec.denied_caps, 0xffff'ffff'0000'0000u);
  EXPECT_EQ(cfg.exec.audited_caps, CapabilityBit(12));
  EXPECT_EQ(cfg.exec.host_ns_denied, NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET);
  EXPECT_EQ(cfg.exec.host_ns_audited, NSFENCE_HOST_NS_IPC);
  EXPECT_EQ(cfg.exec.devices, NSFENCE_MODE_ENFORCE);
  EXPECT_EQ(m->policy_names.at(cfg.exec.policy), "strict");
  EXPECT_EQ(m->policy_names.at(cfg.exec.audit_policy), "trial");
  EXPECT_EQ(registry_.Name(NSFENCE_REG_POLICY, cfg.exec.policy), "strict");
  EXPECT_EQ(registry_.Name(NSFENCE_REG_POLICY, cfg.exec.audit_policy), "trial");
}

TEST_F(MaterializeTest, AuditOnlyContainersAuditTheDeviceGuardAndNameNoDenyPolicy) {
  policy::Compiled c;
  c.rulesets.emplace("k", policy::Ruleset{.key = "k", .policies = {"net"}});
  c.governed.emplace("a", policy::GovernedNamespace{.ruleset_key = "k",
                                                    .attributed_policy = "net",
                                                    .containers = {.audited_caps = CapabilityBit(21),
                                                                   .audit_policy = "trial",
                                                                   .devices = policy::Mode::kAudit}});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;
  EXPECT_EQ(cfg.flags, 0u) << "network governed too";
  EXPECT_EQ(m->policy_names.at(cfg.policy), "net");
  EXPECT_EQ(cfg.exec.denied_caps, 0u);
  EXPECT_EQ(cfg.exec.audited_caps, CapabilityBit(21));
  EXPECT_EQ(cfg.exec.policy, static_cast<uint32_t>(NSFENCE_ID_NONE));
  EXPECT_EQ(m->policy_names.at(cfg.exec.audit_policy), "trial");
  EXPECT_EQ(cfg.exec.devices, NSFENCE_MODE_AUDIT);
}

TEST_F(MaterializeTest, CompiledContainersPolicyReachesTheIdentity) {
  policy::Policy p{.name = "no-privileged",
                   .namespace_selector = {.match_labels = {{kNamespaceNameLabel, "a"}}},
                   .containers = policy::ContainersSpec{.allowed_capabilities = CapabilityBit(19)}};
  const absl::StatusOr<policy::Compiled> compiled = policy::Compile({p}, inventory_);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  auto m = Run(*compiled);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->state.identities.size(), 1u) << "only a is governed";
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;
  EXPECT_EQ(cfg.flags, static_cast<uint32_t>(NSFENCE_IDENTITY_NO_NETWORK));
  EXPECT_EQ(cfg.exec.denied_caps, PrivilegedCapabilities(CapabilityBit(19)));
  EXPECT_EQ(cfg.exec.audited_caps, 0u);
  EXPECT_EQ(cfg.exec.host_ns_denied,
            NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET | NSFENCE_HOST_NS_IPC | NSFENCE_HOST_NS_MNT);
  EXPECT_EQ(cfg.exec.host_ns_audited, 0);
  EXPECT_EQ(cfg.exec.devices, NSFENCE_MODE_ENFORCE);
  EXPECT_EQ(m->policy_names.at(cfg.exec.policy), "no-privileged");
  EXPECT_EQ(cfg.exec.audit_policy, static_cast<uint32_t>(NSFENCE_ID_NONE));
  EXPECT_TRUE(m->state.rules.empty() && m->state.rule_ranges.empty()) << "containers hold no rules";
}

TEST_F(MaterializeTest, RequireTlsRulesAreWrittenLikeEgressAllows) {
  using policy::CompiledPeer;
  using policy::Direction;
  policy::Compiled c;
  c.prefixes.push_back({.cidr = *Cidr::Parse("192.0.2.0/24")});
  policy::Ruleset rs{.key = "k", .policies = {"p", "q"}};
  const CompiledPeer b{.kind = CompiledPeer::Kind::kNamespace, .namespace_name = "b"};
  const CompiledPeer block{.kind = CompiledPeer::Kind::kPrefix, .prefix = *Cidr::Parse("192.0.2.0/24")};
  rs.rules.push_back({Direction::kRequireTls, b, policy::Protocol::kTcp, 443, 443, "p"});
  rs.rules.push_back({Direction::kRequireTls, block, policy::Protocol::kTcp, 8000, 8001, "p"});
  rs.rules.push_back({Direction::kRequireTlsAudit, CompiledPeer{}, policy::Protocol::kTcp, 0, 65535, "q"});
  c.rulesets.emplace("k", rs);
  c.governed.emplace("a", policy::GovernedNamespace{.ruleset_key = "k", .network_governed = false});
  auto m = Run(c);
  ASSERT_TRUE(m.ok()) << m.status();
  const nsfence_identity cfg = m->state.identities.at(m->state.endpoints.at(1234).v.identity).v;

  std::set<std::tuple<uint32_t, int, int, int, std::string>> exact;  // prefixlen, direction, protocol, port, peer
  for (const auto& [key, value] : m->state.rules) {
    EXPECT_EQ(key.v.ruleset, cfg.ruleset);
    const std::string peer = key.v.peer == NSFENCE_ID_ANY ? "any" : registry_.Name(NSFENCE_REG_IDENTITY, key.v.peer).value_or("?");
    exact.insert({key.v.prefixlen, key.v.direction, key.v.protocol, ntohs(key.v.port), peer});
    EXPECT_EQ(m->policy_names.at(value.v.policy), key.v.direction == NSFENCE_DIR_REQUIRE_TLS ? "p" : "q");
  }
  EXPECT_EQ(exact, (std::set<std::tuple<uint32_t, int, int, int, std::string>>{
                       {NSFENCE_RULE_PREFIX_FULL, NSFENCE_DIR_REQUIRE_TLS, 6, 443, "b"},
                       {NSFENCE_RULE_PREFIX_ANY_PORT, NSFENCE_DIR_REQUIRE_TLS_AUDIT, 6, 0, "any"}}));

  ASSERT_EQ(m->state.rule_ranges.size(), 1u) << "8000-8001 is one prefix";
  const nsfence_rule_key range = m->state.rule_ranges.begin()->first.v;
  EXPECT_EQ(range.ruleset, cfg.ruleset);
  EXPECT_EQ(range.direction, NSFENCE_DIR_REQUIRE_TLS);
  EXPECT_EQ(range.protocol, 6);
  EXPECT_EQ(ntohs(range.port), 8000);
  EXPECT_EQ(range.prefixlen, NSFENCE_RULE_PREFIX_ANY_PORT + 15);
  EXPECT_EQ(registry_.Name(NSFENCE_REG_PREFIX, range.peer), "192.0.2.0/24");
}

TEST_F(MaterializeTest, SameInputSameIdsAcrossRuns) {
  auto first = Run(policy::Compiled{});
  registry_.BeginRound();
  auto second = Run(policy::Compiled{});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->state, second->state);
}

TEST_F(MaterializeTest, RelabelledNamespaceGetsANewIdentity) {
  auto before = Run(policy::Compiled{});
  inventory_.namespaces[0].labels["team"] = "x";
  registry_.BeginRound();
  auto after = Run(policy::Compiled{});
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->state.endpoints.at(1234).v.identity, after->state.endpoints.at(1234).v.identity);
}

}  // namespace
}  // namespace nsfence::loader
