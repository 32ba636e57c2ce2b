// The agent's bookkeeping around nsf_tls_blocked, without a kernel: which pod
// directory a cgroup id names, what is removed when, and what is retried.
#include <cstring>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/loader/fake_map.h"

namespace nsfence::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

nsfence_tls_blocked Conn(uint64_t cgroup_id, uint16_t local_port) {
  nsfence_tls_blocked b{};
  b.cgroup_id = cgroup_id;
  b.family = NSFENCE_FAMILY_V4;
  const uint8_t local[4] = {10, 0, 0, 2}, peer[4] = {10, 0, 1, 7};
  std::memcpy(b.local_addr, local, 4);
  std::memcpy(b.peer_addr, peer, 4);
  b.local_port = local_port;
  b.peer_port = 443;
  return b;
}

// Records every call; ends connections unless told to fail.
struct FakeEnder {
  std::vector<std::pair<std::string, std::vector<uint64_t>>> calls;  // dir, cookies
  absl::Status outcome = absl::OkStatus();

  EndConnections Fn() {
    return [this](const std::string& dir, const std::vector<loader::BlockedSocket>& sockets) {
      std::vector<uint64_t> cookies;
      for (const loader::BlockedSocket& s : sockets) cookies.push_back(s.cookie);
      calls.emplace_back(dir, cookies);
      return std::vector<absl::Status>(sockets.size(), outcome);
    };
  }
};

class BlockedTlsDrainTest : public ::testing::Test {
 protected:
  void Add(uint64_t cookie, const nsfence_tls_blocked& conn) { ASSERT_TRUE(map_.Update(&cookie, &conn).ok()); }
  bool Has(uint64_t cookie) {
    nsfence_tls_blocked v{};
    return *map_.Lookup(&cookie, &v);
  }
  BlockedTlsDrain::Result Drain(BlockedTlsDrain& drain) {
    absl::StatusOr<BlockedTlsDrain::Result> r = drain.Drain(pod_dirs_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(BlockedTlsDrain::Result{});
  }

  loader::FakeMap map_{"nsf_tls_blocked", sizeof(uint64_t), sizeof(nsfence_tls_blocked), nullptr};
  absl::flat_hash_map<uint64_t, std::string> pod_dirs_ = {{99, "/sys/fs/cgroup/kubepods.slice/pod-a"},
                                                          {98, "/sys/fs/cgroup/kubepods.slice/pod-b"}};
  FakeEnder ender_;
};

TEST(PodCgroupDirsTest, ReversesTheApplysCgroupIdsIntoAbsoluteDirectories) {
  const absl::flat_hash_map<std::string, uint64_t> ids = {
      {"kubepods.slice/pod-a", 99}, {"/sys/fs/cgroup/kubepods.slice/pod-b", 98}, {"kubepods.slice/x/../pod-c", 97}};
  EXPECT_THAT(PodCgroupDirs(ids, "/sys/fs/cgroup"),
              UnorderedElementsAre(Pair(99, "/sys/fs/cgroup/kubepods.slice/pod-a"),
                                   Pair(98, "/sys/fs/cgroup/kubepods.slice/pod-b"),
                                   Pair(97, "/sys/fs/cgroup/kubepods.slice/pod-c")));
}

TEST_F(BlockedTlsDrainTest, EndsEachPodsConnectionsInOneCallAndRemovesThem) {
  Add(1, Conn(99, 40001));
  Add(2, Conn(99, 40002));
  Add(3, Conn(98, 40003));
  BlockedTlsDrain drain(&map_, ender_.Fn());
  const BlockedTlsDrain::Result r = Drain(drain);
  EXPECT_EQ(r.ended, 3u);
  EXPECT_EQ(r.pending, 0u);
  EXPECT_EQ(map_.size(), 0u);
  EXPECT_THAT(ender_.calls, UnorderedElementsAre(
                                Pair("/sys/fs/cgroup/kubepods.slice/pod-a", UnorderedElementsAre(1u, 2u)),
                                Pair("/sys/fs/cgroup/kubepods.slice/pod-b", ElementsAre(3u))));
}

TEST_F(BlockedTlsDrainTest, EmptyMapDoesNothing) {
  BlockedTlsDrain drain(&map_, ender_.Fn());
  const BlockedTlsDrain::Result r = Drain(drain);
  EXPECT_EQ(r.ended + r.pending + r.abandoned, 0u);
  EXPECT_TRUE(ender_.calls.empty());
}

TEST_F(BlockedTlsDrainTest, FailureIsRetriedThenTheEntryIsRemovedAtTheThirdAttempt) {
  Add(1, Conn(99, 40001));
  ender_.outcome = absl::NotFoundError("no process in pod cgroup");
  BlockedTlsDrain drain(&map_, ender_.Fn(), /*max_attempts=*/3);
  EXPECT_EQ(Drain(drain).pending, 1u);
  EXPECT_TRUE(Has(1));
  EXPECT_EQ(Drain(drain).pending, 1u);
  EXPECT_TRUE(Has(1));
  const BlockedTlsDrain::Result third = Drain(drain);
  EXPECT_EQ(third.abandoned, 1u);
  EXPECT_EQ(third.pending, 0u);
  EXPECT_FALSE(Has(1));
  EXPECT_EQ(ender_.calls.size(), 3u);
}

TEST_F(BlockedTlsDrainTest, UnknownPodIsNotEndedAndGivenUpAfterTheAttempts) {
  Add(5, Conn(12345, 40005));
  BlockedTlsDrain drain(&map_, ender_.Fn(), /*max_attempts=*/2);
  EXPECT_EQ(Drain(drain).pending, 1u);
  EXPECT_EQ(Drain(drain).abandoned, 1u);
  EXPECT_FALSE(Has(5));
  EXPECT_TRUE(ender_.calls.empty()) << "no directory to look for a namespace in";
}

TEST_F(BlockedTlsDrainTest, SuccessAfterAFailureStartsTheCountAgain) {
  Add(1, Conn(99, 40001));
  ender_.outcome = absl::UnavailableError("busy");
  BlockedTlsDrain drain(&map_, ender_.Fn(), /*max_attempts=*/2);
  EXPECT_EQ(Drain(drain).pending, 1u);
  ender_.outcome = absl::OkStatus();
  EXPECT_EQ(Drain(drain).ended, 1u);
  EXPECT_FALSE(Has(1));

  // The same cookie blocked again later starts with a clean slate.
  Add(1, Conn(99, 40001));
  ender_.outcome = absl::UnavailableError("busy");
  EXPECT_EQ(Drain(drain).pending, 1u);
  EXPECT_TRUE(Has(1));
}

TEST_F(BlockedTlsDrainTest, EntryRemovedByOthersIsForgotten) {
  Add(1, Conn(99, 40001));
  ender_.outcome = absl::UnavailableError("busy");
  BlockedTlsDrain drain(&map_, ender_.Fn(), /*max_attempts=*/2);
  EXPECT_EQ(Drain(drain).pending, 1u);
  const uint64_t cookie = 1;
  ASSERT_TRUE(map_.Delete(&cookie).ok());  // e.g. evicted from the LRU map
  Drain(drain);
  Add(1, Conn(99, 40001));
  EXPECT_EQ(Drain(drain).pending, 1u) << "a fresh entry gets its full attempts";
}

}  // namespace
}  // namespace nsfence::agent
