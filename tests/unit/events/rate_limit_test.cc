// Rate limits: a token bucket per namespace; suppressed lines are counted
// exactly and reported by at most one "suppressed" summary per second and
// namespace; one noisy namespace does not limit another.
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "events/aggregator.h"
#include "events/events.pb.h"
#include "events/rate_limiter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::events {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Event In(const std::string& ns, absl::Time t, uint64_t count = 1) {
  Event e;
  SetTimestamp(t, e.mutable_time());
  e.set_kind("network");
  e.set_action("blocked");
  e.set_namespace_(ns);
  e.set_pod("runner");
  e.set_dst("10.0.1.7:8080");
  e.set_count(count);
  return e;
}

bool IsSummary(const Event& e) { return e.kind() == "suppressed"; }

TEST(RateLimiterTest, BurstPassesThenSuppressedIsCountedAndToldAtOnce) {
  RateLimiter limiter({.rate = 10, .burst = 5});
  for (int i = 0; i < 5; ++i) {
    const std::vector<Event> out = limiter.Admit(In("job-a", kT0), kT0);
    ASSERT_THAT(out, SizeIs(1));
    EXPECT_EQ(out[0].kind(), "network");
  }
  // The first suppressed line: its summary comes at once.
  std::vector<Event> out = limiter.Admit(In("job-a", kT0), kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].kind(), "suppressed");
  EXPECT_EQ(out[0].namespace_(), "job-a");
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_EQ(ToTime(out[0].time()), kT0);
  EXPECT_EQ(ToTime(out[0].first_time()), kT0);
  EXPECT_EQ(ToTime(out[0].last_time()), kT0);
  // More within the second: counted, told a second after the last summary.
  const absl::Time t1 = kT0 + absl::Milliseconds(10), t2 = kT0 + absl::Milliseconds(20);
  EXPECT_THAT(limiter.Admit(In("job-a", t1, 4), t1), IsEmpty());
  EXPECT_THAT(limiter.Admit(In("job-a", t2), t2), IsEmpty());
  EXPECT_EQ(limiter.suppressed_total(), 6u);
  EXPECT_EQ(limiter.suppressed_lines_total(), 3u);
  EXPECT_EQ(limiter.suppressed("job-a"), 6u);
  EXPECT_EQ(limiter.NextDeadline(), kT0 + absl::Seconds(1));
  EXPECT_THAT(limiter.Expire(kT0 + absl::Seconds(1) - absl::Nanoseconds(1)), IsEmpty());
  out = limiter.Expire(kT0 + absl::Seconds(1));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].kind(), "suppressed");
  EXPECT_EQ(out[0].count(), 5u);
  EXPECT_EQ(ToTime(out[0].first_time()), t1);
  EXPECT_EQ(ToTime(out[0].last_time()), t2);
  EXPECT_EQ(ToTime(out[0].time()), kT0 + absl::Seconds(1));
  EXPECT_EQ(limiter.NextDeadline(), absl::InfiniteFuture());
  EXPECT_EQ(limiter.summaries(), 2u);
}

TEST(RateLimiterTest, TokensRefillAtTheRateUpToTheBurst) {
  RateLimiter limiter({.rate = 10, .burst = 5});  // a token every 100 ms
  for (int i = 0; i < 5; ++i) ASSERT_THAT(limiter.Admit(In("job-a", kT0), kT0), SizeIs(1));
  auto passes = [&](absl::Time t) {
    const std::vector<Event> out = limiter.Admit(In("job-a", t), t);
    return !out.empty() && !IsSummary(out[0]);
  };
  EXPECT_FALSE(passes(kT0 + absl::Milliseconds(99)));   // 0.99 tokens
  EXPECT_TRUE(passes(kT0 + absl::Milliseconds(100)));   // 1.0, spent
  EXPECT_FALSE(passes(kT0 + absl::Milliseconds(150)));  // 0.5
  EXPECT_TRUE(passes(kT0 + absl::Milliseconds(200)));   // 1.0
  // A long quiet time fills the bucket to the burst, no more.
  const absl::Time later = kT0 + absl::Hours(1);
  int passed = 0;
  for (int i = 0; i < 20; ++i) passed += passes(later) ? 1 : 0;
  EXPECT_EQ(passed, 5);
  // 1 s later: 10 tokens, capped at 5.
  passed = 0;
  for (int i = 0; i < 20; ++i) passed += passes(later + absl::Seconds(1)) ? 1 : 0;
  EXPECT_EQ(passed, 5);
}

TEST(RateLimiterTest, FloodIsCountedExactlyWithAtMostOneSummaryPerSecond) {
  RateLimiter limiter({.rate = 100, .burst = 200});
  uint64_t passed = 0, told = 0, in = 0;
  std::vector<absl::Time> summary_times;
  auto take = [&](const std::vector<Event>& out) {
    for (const Event& e : out) {
      if (IsSummary(e)) {
        EXPECT_EQ(e.namespace_(), "job-a");
        summary_times.push_back(ToTime(e.time()));
        told += e.count();
      } else {
        passed += e.count();
      }
    }
  };
  // 10,000 lines/s for 5 s, then quiet.
  absl::Time now = kT0;
  for (int i = 0; i < 50'000; ++i) {
    now = kT0 + absl::Microseconds(100) * i;
    take(limiter.Admit(In("job-a", now), now));
    ++in;
    if (i % 97 == 0) take(limiter.Expire(now));
  }
  take(limiter.Expire(limiter.NextDeadline()));
  EXPECT_EQ(limiter.NextDeadline(), absl::InfiniteFuture());
  EXPECT_EQ(passed + told, in);
  EXPECT_EQ(told, limiter.suppressed_total());
  EXPECT_EQ(limiter.suppressed("job-a"), limiter.suppressed_total());
  // 200 at once, then 100/s for 5 s (the last token just before 5 s: 499 or 500 + 200).
  EXPECT_GE(passed, 699u);
  EXPECT_LE(passed, 700u);
  ASSERT_GE(summary_times.size(), 5u);
  EXPECT_LE(summary_times.size(), 6u);
  for (size_t i = 1; i < summary_times.size(); ++i) {
    EXPECT_GE(summary_times[i] - summary_times[i - 1], absl::Seconds(1)) << i;
  }
}

TEST(RateLimiterTest, OneNoisyNamespaceDoesNotLimitAnother) {
  RateLimiter limiter({.rate = 10, .burst = 10});
  uint64_t quiet_passed = 0;
  for (int i = 0; i < 10'000; ++i) {
    const absl::Time now = kT0 + absl::Milliseconds(i);
    limiter.Admit(In("noisy", now), now);
    if (i % 200 == 0) {  // 5/s, within its rate
      for (const Event& e : limiter.Admit(In("quiet", now), now)) {
        if (e.namespace_() != "quiet") continue;
        ASSERT_FALSE(IsSummary(e)) << "quiet was limited at " << i;
        ++quiet_passed;
      }
    }
  }
  EXPECT_EQ(quiet_passed, 50u);
  EXPECT_EQ(limiter.suppressed("quiet"), 0u);
  EXPECT_GT(limiter.suppressed("noisy"), 9000u);
  EXPECT_THAT(limiter.suppressed_by_namespace(), ElementsAre(Pair("noisy", limiter.suppressed_total())));
}

TEST(RateLimiterTest, SummariesArePerNamespace) {
  RateLimiter limiter({.rate = 1, .burst = 1});
  limiter.Admit(In("a", kT0), kT0);
  limiter.Admit(In("b", kT0), kT0);
  std::vector<Event> out = limiter.Admit(In("a", kT0), kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].namespace_(), "a");
  // b's first suppression is told at once although a's summary was just made.
  out = limiter.Admit(In("b", kT0), kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].namespace_(), "b");
  EXPECT_THAT(limiter.suppressed_by_namespace(), ElementsAre(Pair("a", 1u), Pair("b", 1u)));
}

TEST(RateLimiterTest, FlushTellsWhatIsPending) {
  RateLimiter limiter({.rate = 1, .burst = 1});
  limiter.Admit(In("a", kT0), kT0);
  ASSERT_THAT(limiter.Admit(In("a", kT0), kT0), SizeIs(1));  // summary at once
  EXPECT_THAT(limiter.Admit(In("a", kT0, 3), kT0), IsEmpty());
  const std::vector<Event> out = limiter.Flush(kT0 + absl::Milliseconds(5));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 3u);
  EXPECT_EQ(ToTime(out[0].time()), kT0 + absl::Milliseconds(5));
  EXPECT_THAT(limiter.Flush(kT0 + absl::Seconds(5)), IsEmpty());
  EXPECT_EQ(limiter.suppressed_total(), 4u);
}

TEST(RateLimiterTest, ZeroRateIsOff) {
  RateLimiter limiter({.rate = 0});
  for (int i = 0; i < 100'000; ++i) ASSERT_THAT(limiter.Admit(In("a", kT0), kT0), SizeIs(1));
  EXPECT_EQ(limiter.suppressed_total(), 0u);
  EXPECT_EQ(limiter.namespaces(), 0u);
}

TEST(RateLimiterTest, NamespacesBeyondTheTableShareOneBucket) {
  RateLimiter limiter({.rate = 1, .burst = 1, .max_namespaces = 2});
  // a is limited (kept for its totals), b is idle and full (forgettable).
  limiter.Admit(In("a", kT0), kT0);
  limiter.Admit(In("a", kT0), kT0);
  limiter.Admit(In("b", kT0), kT0);
  // Two seconds later b's bucket is full again: forgotten to make room for c.
  const absl::Time t = kT0 + absl::Seconds(2);
  EXPECT_THAT(limiter.Admit(In("c", t), t), SizeIs(1));
  EXPECT_EQ(limiter.suppressed("b"), 0u);
  EXPECT_EQ(limiter.namespaces(), 2u);
  // c's bucket is empty; d finds no room (a suppressed, c not full): shared.
  EXPECT_THAT(limiter.Admit(In("d", t), t), SizeIs(1));  // the shared bucket's token
  std::vector<Event> out = limiter.Admit(In("e", t), t);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].kind(), "suppressed");
  EXPECT_EQ(out[0].namespace_(), "");
  EXPECT_EQ(limiter.suppressed(""), 1u);
  EXPECT_LE(limiter.namespaces(), 3u);
  for (int i = 0; i < 1000; ++i) limiter.Admit(In("ns-" + std::to_string(i), t), t);
  EXPECT_LE(limiter.namespaces(), 3u);
  EXPECT_EQ(limiter.suppressed("a"), 1u);
}

// Random namespaces, counts and times: what passes plus what summaries tell
// equals what came in, per namespace, and summaries of one namespace are at
// least a second apart.
TEST(RateLimiterTest, CountsAddUpExactlyOverRandomSequences) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    RateLimiter limiter({.rate = 1 + rng() % 50, .burst = 1 + rng() % 50, .max_namespaces = 1 + rng() % 6});
    std::map<std::string, uint64_t> in;
    uint64_t total_in = 0, total_out = 0, told = 0;
    std::map<std::string, absl::Time> last_summary;
    absl::Time now = kT0;
    auto take = [&](const std::vector<Event>& out, bool flushing) {
      for (const Event& e : out) {
        total_out += e.count();
        if (!IsSummary(e)) continue;
        told += e.count();
        if (!flushing && last_summary.count(e.namespace_()) > 0) {
          ASSERT_GE(ToTime(e.time()) - last_summary[e.namespace_()], absl::Seconds(1)) << "seed " << seed;
        }
        last_summary[e.namespace_()] = ToTime(e.time());
      }
    };
    for (int i = 0; i < 5000; ++i) {
      now += absl::Microseconds(std::uniform_int_distribution<int>(0, 20'000)(rng));
      const std::string ns = "ns-" + std::to_string(rng() % 8);
      const uint64_t count = 1 + (rng() % 10 == 0 ? rng() % 20 : 0);
      in[ns] += count;
      total_in += count;
      take(limiter.Admit(In(ns, now, count), now), false);
      if (rng() % 5 == 0) take(limiter.Expire(now), false);
      ASSERT_LE(limiter.namespaces(), limiter.options().max_namespaces + 1);
    }
    take(limiter.Flush(now), true);
    EXPECT_EQ(total_out, total_in) << "seed " << seed;
    EXPECT_EQ(told, limiter.suppressed_total()) << "seed " << seed;
    uint64_t per_ns = 0;
    for (const auto& [ns, n] : limiter.suppressed_by_namespace()) per_ns += n;
    EXPECT_EQ(per_ns, limiter.suppressed_total());
  }
}

}  // namespace
}  // namespace nsfence::events
