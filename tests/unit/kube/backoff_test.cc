#include "kube/backoff.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::kube {
namespace {

using ::testing::ElementsAre;

std::vector<absl::Duration> Waits(Backoff& backoff, int count) {
  std::vector<absl::Duration> waits;
  waits.reserve(count);
  for (int i = 0; i < count; ++i) waits.push_back(backoff.Next());
  return waits;
}

TEST(BackoffTest, DoublesFromHalfASecondToThirtySeconds) {
  Backoff backoff(BackoffPolicy{}, [] { return 1.0; });  // always the ceiling
  EXPECT_THAT(Waits(backoff, 9),
              ElementsAre(absl::Milliseconds(500), absl::Seconds(1), absl::Seconds(2),
                          absl::Seconds(4), absl::Seconds(8), absl::Seconds(16), absl::Seconds(30),
                          absl::Seconds(30), absl::Seconds(30)));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(500));
}

TEST(BackoffTest, FullJitterScalesTheCeiling) {
  Backoff backoff(BackoffPolicy{absl::Seconds(1), absl::Seconds(4)}, [] { return 0.25; });
  EXPECT_THAT(Waits(backoff, 4), ElementsAre(absl::Milliseconds(250), absl::Milliseconds(500),
                                             absl::Seconds(1), absl::Seconds(1)));
}

TEST(BackoffTest, RandomWaitsStayUnderTheCeiling) {
  Backoff backoff(BackoffPolicy{});
  absl::Duration total;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration ceiling = backoff.ceiling();
    const absl::Duration wait = backoff.Next();
    EXPECT_GE(wait, absl::ZeroDuration());
    EXPECT_LE(wait, ceiling);
    total += wait;
  }
  // Not all at either end: 200 draws under a 30 s ceiling average near 15 s.
  EXPECT_GT(total, absl::Seconds(200 * 5));
  EXPECT_LT(total, absl::Seconds(200 * 25));
}

}  // namespace
}  // namespace nsfence::kube
