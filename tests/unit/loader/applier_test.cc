#include "loader/applier.h"

#include <algorithm>

#include "fake_map.h"
#include "gtest/gtest.h"

namespace nsfence::loader {
namespace {

class ApplierTest : public ::testing::Test {
 protected:
  ApplierTest()
      : endpoints_("endpoints", 8, sizeof(nsfence_endpoint), &log_),
        pod_addrs_("pod_addrs", sizeof(nsfence_addr_key), sizeof(nsfence_peer), &log_),
        peers_("peers", sizeof(nsfence_peer_key), sizeof(nsfence_peer), &log_),
        identities_("identities", 4, sizeof(nsfence_identity), &log_),
        rules_("rules", sizeof(nsfence_rule_key), sizeof(nsfence_rule), &log_),
        rule_ranges_("rule_ranges", sizeof(nsfence_rule_key), sizeof(nsfence_rule), &log_),
        maps_{&endpoints_, &pod_addrs_, &peers_, &identities_, &rules_, &rule_ranges_} {}

  // Index in the log of the first operation on `map` of kind `write`.
  size_t First(const std::string& map, bool write) const {
    const auto it = std::find_if(log_.begin(), log_.end(),
                                 [&](const MapOp& op) { return op.map == map && op.write == write; });
    return it - log_.begin();
  }
  size_t Last(const std::string& map, bool write) const {
    for (size_t i = log_.size(); i > 0; --i) {
      if (log_[i - 1].map == map && log_[i - 1].write == write) return i - 1;
    }
    return log_.size();
  }

  std::vector<MapOp> log_;
  FakeMap endpoints_, pod_addrs_, peers_, identities_, rules_, rule_ranges_;
  SegmentationMaps maps_;
};

nsfence_rule_key Rule(uint32_t ruleset, uint32_t peer) {
  nsfence_rule_key k{};
  k.prefixlen = NSFENCE_RULE_PREFIX_ANY_PROTOCOL;
  k.ruleset = ruleset;
  k.peer = peer;
  k.direction = NSFENCE_DIR_EGRESS;
  return k;
}

nsfence_identity Governed(uint32_t ruleset) {
  nsfence_identity v{};
  v.ruleset = ruleset;
  v.mode = NSFENCE_MODE_ENFORCE;
  return v;
}

nsfence_addr_key PodAddress(uint8_t last) {
  nsfence_addr_key k{};
  k.family = NSFENCE_FAMILY_V4;
  k.addr[0] = 10;
  k.addr[3] = last;
  return k;
}

nsfence_peer_key Prefix(uint32_t bits) {
  nsfence_peer_key k{};
  k.prefixlen = 8 + bits;
  k.family = NSFENCE_FAMILY_V4;
  k.addr[0] = 10;
  return k;
}

KernelState State(uint32_t ruleset, uint32_t identity) {
  KernelState s;
  s.rules[RuleKey(Rule(ruleset, 500))] = Bytes(nsfence_rule{});
  s.identities[identity] = Bytes(Governed(ruleset));
  nsfence_peer pod{.identity = identity, .kind = NSFENCE_PEER_POD};
  s.pod_addrs[AddrKey(PodAddress(2))] = Bytes(pod);
  nsfence_peer prefix{.identity = 600, .kind = NSFENCE_PEER_WORLD};
  s.peers[PeerKey(Prefix(8))] = Bytes(prefix);
  s.endpoints[77] = Bytes(nsfence_endpoint{.identity = identity});
  return s;
}

TEST_F(ApplierTest, WritesEverythingFromEmpty) {
  KernelState current;
  ApplyStats stats;
  ASSERT_TRUE(Apply(State(300, 256), maps_, &current, &stats).ok());
  EXPECT_EQ(current, State(300, 256));
  EXPECT_EQ(stats.writes, 5u);
  EXPECT_EQ(rules_.size(), 1u);
  EXPECT_EQ(endpoints_.size(), 1u);
}

TEST_F(ApplierTest, SecondApplyOfTheSameStateWritesNothing) {
  KernelState current;
  ApplyStats stats;
  ASSERT_TRUE(Apply(State(300, 256), maps_, &current, &stats).ok());
  log_.clear();
  ApplyStats again;
  ASSERT_TRUE(Apply(State(300, 256), maps_, &current, &again).ok());
  EXPECT_EQ(again.writes + again.deletes, 0u);
  EXPECT_TRUE(log_.empty());
}

TEST_F(ApplierTest, RulesetSwitchWritesNewRulesFirstAndDeletesOldOnesLast) {
  KernelState current;
  ApplyStats stats;
  ASSERT_TRUE(Apply(State(300, 256), maps_, &current, &stats).ok());
  log_.clear();
  // Policy edit: the namespace moves to ruleset 301.
  ASSERT_TRUE(Apply(State(301, 256), maps_, &current, &stats).ok());
  EXPECT_LT(First("rules", true), First("identities", true));
  EXPECT_GT(First("rules", false), Last("identities", true));
  EXPECT_EQ(current, State(301, 256));
}

TEST_F(ApplierTest, RelabelledNamespaceSwitchesAddressesAndCgroupsAfterItsIdentityExists) {
  KernelState current;
  ApplyStats stats;
  ASSERT_TRUE(Apply(State(300, 256), maps_, &current, &stats).ok());
  log_.clear();
  ASSERT_TRUE(Apply(State(300, 257), maps_, &current, &stats).ok());
  const size_t identity_written = First("identities", true);
  EXPECT_LT(identity_written, First("pod_addrs", true));
  EXPECT_LT(identity_written, First("endpoints", true));
  EXPECT_GT(First("identities", false), Last("endpoints", true));
  EXPECT_GT(First("identities", false), Last("pod_addrs", true));
}

TEST_F(ApplierTest, PrefixesArriveBeforeIdentitiesChangeAndPodAddressesAfter) {
  KernelState current;
  ApplyStats stats;
  KernelState desired = State(300, 256);
  ASSERT_TRUE(Apply(desired, maps_, &current, &stats).ok());
  log_.clear();
  desired = State(301, 256);
  nsfence_peer prefix{.identity = 601, .kind = NSFENCE_PEER_WORLD};
  desired.peers[PeerKey(Prefix(16))] = Bytes(prefix);
  nsfence_peer pod{.identity = 256, .kind = NSFENCE_PEER_POD};
  desired.pod_addrs[AddrKey(PodAddress(3))] = Bytes(pod);
  ASSERT_TRUE(Apply(desired, maps_, &current, &stats).ok());
  ASSERT_EQ(log_.size(), 5u);  // rule+, prefix+, identity=, pod+, rule-
  EXPECT_EQ(log_[0].map, "rules");
  EXPECT_EQ(log_[1].map, "peers");
  EXPECT_EQ(log_[2].map, "identities");
  EXPECT_EQ(log_[3].map, "pod_addrs");
}

TEST_F(ApplierTest, AFullMapStopsTheApplyAndCurrentMatchesTheKernel) {
  FakeMap small_rules("rules", sizeof(nsfence_rule_key), sizeof(nsfence_rule), &log_, 1);
  SegmentationMaps maps = maps_;
  maps.rules = &small_rules;
  KernelState current;
  KernelState desired = State(300, 256);
  desired.rules[RuleKey(Rule(300, 501))] = Bytes(nsfence_rule{});
  ApplyStats stats;
  const absl::Status s = Apply(desired, maps, &current, &stats);
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_EQ(current.rules.size(), small_rules.size());
  EXPECT_TRUE(current.identities.empty()) << "nothing refers to a half-written ruleset";
}

}  // namespace
}  // namespace nsfence::loader
