#include "loader/registry.h"

#include "fake_map.h"
#include "gtest/gtest.h"

namespace nsfence::loader {
namespace {

FakeMap RegistryMap() {
  return FakeMap("nsf_registry", sizeof(nsfence_registry_key), sizeof(nsfence_registry_value), nullptr);
}

TEST(RegistryTest, SameContentSameId) {
  FakeMap map = RegistryMap();
  Registry r(&map);
  r.BeginRound();
  const uint32_t a = r.Assign(NSFENCE_REG_IDENTITY, 1, "job-a");
  const uint32_t b = r.Assign(NSFENCE_REG_IDENTITY, 2, "job-b");
  EXPECT_NE(a, b);
  EXPECT_EQ(r.Assign(NSFENCE_REG_IDENTITY, 1, "job-a"), a);
  EXPECT_GE(a, static_cast<uint32_t>(NSFENCE_FIRST_DYNAMIC_ID));
  EXPECT_EQ(r.Name(NSFENCE_REG_IDENTITY, a), "job-a");
}

TEST(RegistryTest, IdsSurviveARestartThroughTheMap) {
  FakeMap map = RegistryMap();
  uint32_t id = 0;
  {
    Registry first(&map);
    first.BeginRound();
    first.Assign(NSFENCE_REG_POLICY, 7, "older");
    id = first.Assign(NSFENCE_REG_IDENTITY, 42, "job-a");
    ASSERT_TRUE(first.Persist().ok());
  }
  Registry second(&map);
  ASSERT_TRUE(second.Load().ok());
  second.BeginRound();
  EXPECT_EQ(second.Assign(NSFENCE_REG_IDENTITY, 42, "job-a"), id);
  EXPECT_EQ(second.Name(NSFENCE_REG_IDENTITY, id), "job-a");
  // New ids never reuse one already given out.
  EXPECT_GT(second.Assign(NSFENCE_REG_IDENTITY, 43, "job-b"), id);
}

TEST(RegistryTest, UnusedIdsAreReleasedAfterTheGracePeriod) {
  FakeMap map = RegistryMap();
  Registry r(&map);
  const absl::Time t0 = absl::UnixEpoch();
  r.BeginRound();
  const uint32_t gone = r.Assign(NSFENCE_REG_IDENTITY, 1, "gone");
  r.Assign(NSFENCE_REG_IDENTITY, 2, "kept");
  ASSERT_TRUE(r.Persist().ok());
  ASSERT_EQ(map.size(), 2u);

  r.BeginRound();
  r.Assign(NSFENCE_REG_IDENTITY, 2, "kept");
  ASSERT_TRUE(r.Release(t0, absl::Seconds(60)).ok());
  EXPECT_EQ(r.Name(NSFENCE_REG_IDENTITY, gone), "gone") << "still nameable during the grace period";

  r.BeginRound();
  r.Assign(NSFENCE_REG_IDENTITY, 2, "kept");
  ASSERT_TRUE(r.Release(t0 + absl::Seconds(61), absl::Seconds(60)).ok());
  EXPECT_EQ(r.Name(NSFENCE_REG_IDENTITY, gone), std::nullopt);
  EXPECT_EQ(map.size(), 1u);
}

TEST(RegistryTest, AnIdUsedAgainWithinTheGraceIsKept) {
  FakeMap map = RegistryMap();
  Registry r(&map);
  const absl::Time t0 = absl::UnixEpoch();
  r.BeginRound();
  const uint32_t id = r.Assign(NSFENCE_REG_IDENTITY, 1, "flapping");
  r.BeginRound();
  ASSERT_TRUE(r.Release(t0, absl::Seconds(60)).ok());
  r.BeginRound();
  EXPECT_EQ(r.Assign(NSFENCE_REG_IDENTITY, 1, "flapping"), id);
  ASSERT_TRUE(r.Release(t0 + absl::Seconds(120), absl::Seconds(60)).ok());
  EXPECT_EQ(r.Name(NSFENCE_REG_IDENTITY, id), "flapping");
}

TEST(RegistryTest, LongNamesAreTruncatedToFitTheMap) {
  FakeMap map = RegistryMap();
  Registry r(&map);
  r.BeginRound();
  const uint32_t id = r.Assign(NSFENCE_REG_POLICY, 1, std::string(200, 'p'));
  ASSERT_TRUE(r.Persist().ok());
  Registry reloaded(&map);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.Name(NSFENCE_REG_POLICY, id), std::string(NSFENCE_NAME_LEN - 1, 'p'));
}

}  // namespace
}  // namespace nsfence::loader
