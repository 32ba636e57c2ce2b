// Aggregation: repeats of one violation within a window become one summary,
// counts add up exactly, distinct violations never merge.
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "events/aggregator.h"
#include "events/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::events {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// job-a/runner (pid 4181) refused a connection to job-b/worker:8080.
Event Blocked(absl::Time t, uint32_t pid = 4181, const std::string& src = "10.0.0.2:41000") {
  Event e;
  SetTimestamp(t, e.mutable_time());
  e.set_kind("network");
  e.set_action("blocked");
  e.set_direction("egress");
  e.set_namespace_("job-a");
  e.set_pod("runner");
  e.set_pid(pid);
  e.set_comm("curl");
  e.set_protocol("tcp");
  e.set_src(src);
  e.set_dst("10.0.1.7:8080");
  e.set_peer_namespace("job-b");
  e.set_peer_pod("worker");
  e.set_policy("workflow-jobs");
  return e;
}

TEST(WithoutPortTest, StripsThePortOfIpv4AndBracketedIpv6Only) {
  EXPECT_EQ(WithoutPort("10.0.0.2:41000"), "10.0.0.2");
  EXPECT_EQ(WithoutPort("[fd00::2]:41000"), "[fd00::2]");
  EXPECT_EQ(WithoutPort("[fd00::2]:0"), "[fd00::2]");
  EXPECT_EQ(WithoutPort("fd00::2"), "fd00::2");
  EXPECT_EQ(WithoutPort("10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(WithoutPort(""), "");
  EXPECT_EQ(WithoutPort("host:http"), "host:http");
}

TEST(AggregationKeyTest, IgnoresTimePidSrcPortAndAggregationFields) {
  const Event a = Blocked(kT0, 1, "10.0.0.2:41000");
  Event b = Blocked(kT0 + absl::Seconds(3), 2, "10.0.0.2:52000");
  b.set_count(7);
  SetTimestamp(kT0, b.mutable_first_time());
  SetTimestamp(kT0, b.mutable_last_time());
  EXPECT_EQ(AggregationKey(a), AggregationKey(b));
  EXPECT_EQ(AggregationKey(Blocked(kT0, 1, "[fd00::2]:1")), AggregationKey(Blocked(kT0, 1, "[fd00::2]:2")));
  EXPECT_NE(AggregationKey(Blocked(kT0, 1, "10.0.0.2:1")), AggregationKey(Blocked(kT0, 1, "10.0.0.3:1")));
}

// Every field of the key, changed alone, makes another violation.
TEST(AggregationKeyTest, EveryOtherFieldSeparates) {
  const std::vector<std::function<void(Event&)>> changes = {
      [](Event& e) { e.set_kind("tls"); },
      [](Event& e) { e.set_action("audited"); },
      [](Event& e) { e.set_namespace_("job-c"); },
      [](Event& e) { e.set_pod("runner-2"); },
      [](Event& e) { e.set_container("c0ffee"); },
      [](Event& e) { e.set_policy("other"); },
      [](Event& e) { e.set_direction("ingress"); },
      [](Event& e) { e.set_protocol("udp"); },
      [](Event& e) { e.set_src("10.0.0.9:41000"); },
      [](Event& e) { e.set_dst("10.0.1.7:8081"); },
      [](Event& e) { e.set_dst("10.0.1.8:8080"); },
      [](Event& e) { e.set_peer_namespace("world"); },
      [](Event& e) { e.set_peer_pod("worker-2"); },
      [](Event& e) { e.set_comm("wget"); },
      [](Event& e) { e.set_offered_max_version("1.1"); },
      [](Event& e) { e.set_negotiated_version("1.0"); },
      [](Event& e) { e.set_sni("api.example"); },
      [](Event& e) { e.set_reason("client_offers_below_floor"); },
      [](Event& e) { e.set_min_version("1.2"); },
      [](Event& e) { e.add_capabilities("SYS_ADMIN"); },
      [](Event& e) { e.add_host_namespaces("pid"); },
      [](Event& e) { e.set_backend("lsm"); },
      [](Event& e) { e.set_filename("/bin/sh"); },
      [](Event& e) { e.set_device("block 7:3"); },
      [](Event& e) { e.set_access("read"); },
  };
  Aggregator agg;
  ASSERT_THAT(agg.Add(Blocked(kT0), kT0), SizeIs(1));
  for (size_t i = 0; i < changes.size(); ++i) {
    Event e = Blocked(kT0);
    changes[i](e);
    EXPECT_NE(AggregationKey(e), AggregationKey(Blocked(kT0))) << "change " << i;
    // A first occurrence: emitted at once, not folded into the base key.
    EXPECT_THAT(agg.Add(e, kT0), SizeIs(1)) << "change " << i;
  }
  EXPECT_EQ(agg.keys(), changes.size() + 1);
  EXPECT_EQ(agg.folded(), 0u);
  // Capabilities are a list: order and content count.
  Event ab = Blocked(kT0), ba = Blocked(kT0);
  ab.add_capabilities("NET_ADMIN");
  ab.add_capabilities("SYS_ADMIN");
  ba.add_capabilities("SYS_ADMIN");
  EXPECT_NE(AggregationKey(ab), AggregationKey(ba));
}

TEST(AggregatorTest, FirstOccurrenceAtOnceWithCountOne) {
  Aggregator agg;
  const std::vector<Event> out = agg.Add(Blocked(kT0), kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_FALSE(out[0].has_first_time());
  EXPECT_FALSE(out[0].has_last_time());
  EXPECT_EQ(ToTime(out[0].time()), kT0);
  EXPECT_EQ(out[0].pid(), 4181u);
  EXPECT_EQ(agg.NextDeadline(), kT0 + absl::Seconds(10));
}

TEST(AggregatorTest, RepeatJustInsideTheWindowIsFolded) {
  Aggregator agg({.window = absl::Seconds(10)});
  const absl::Time inside = kT0 + absl::Seconds(10) - absl::Nanoseconds(1);
  ASSERT_THAT(agg.Add(Blocked(kT0), kT0), SizeIs(1));
  EXPECT_THAT(agg.Add(Blocked(inside, 99, "10.0.0.2:50000"), inside), IsEmpty());
  EXPECT_THAT(agg.Expire(inside), IsEmpty());
  EXPECT_EQ(agg.NextDeadline(), kT0 + absl::Seconds(10));

  const std::vector<Event> out = agg.Expire(kT0 + absl::Seconds(10));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_EQ(ToTime(out[0].first_time()), inside);
  EXPECT_EQ(ToTime(out[0].last_time()), inside);
  EXPECT_EQ(ToTime(out[0].time()), inside);
  EXPECT_EQ(out[0].pid(), 99u);
  EXPECT_EQ(out[0].src(), "10.0.0.2:50000");
  EXPECT_EQ(out[0].dst(), "10.0.1.7:8080");
  EXPECT_EQ(out[0].peer_pod(), "worker");
  EXPECT_EQ(agg.keys(), 0u);
  EXPECT_EQ(agg.NextDeadline(), absl::InfiniteFuture());
}

TEST(AggregatorTest, RepeatJustAfterTheWindowStartsANewOne) {
  Aggregator agg({.window = absl::Seconds(10)});
  const absl::Time after = kT0 + absl::Seconds(10);
  ASSERT_THAT(agg.Add(Blocked(kT0), kT0), SizeIs(1));
  // No repeats inside: the window ends silently, the next one is a first.
  std::vector<Event> out = agg.Add(Blocked(after), after);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_EQ(ToTime(out[0].time()), after);
  EXPECT_FALSE(out[0].has_first_time());
  EXPECT_EQ(agg.NextDeadline(), after + absl::Seconds(10));

  // With repeats inside: their summary first, then the new first occurrence.
  const absl::Time t1 = after + absl::Seconds(1), t2 = after + absl::Seconds(2);
  const absl::Time next = after + absl::Seconds(10);
  EXPECT_THAT(agg.Add(Blocked(t1), t1), IsEmpty());
  EXPECT_THAT(agg.Add(Blocked(t2), t2), IsEmpty());
  out = agg.Add(Blocked(next), next);
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].count(), 2u);
  EXPECT_EQ(ToTime(out[0].first_time()), t1);
  EXPECT_EQ(ToTime(out[0].last_time()), t2);
  EXPECT_EQ(ToTime(out[0].time()), t2);
  EXPECT_EQ(out[1].count(), 1u);
  EXPECT_EQ(ToTime(out[1].time()), next);
}

TEST(AggregatorTest, SrcPortAndPidDifferencesMerge) {
  Aggregator agg;
  ASSERT_THAT(agg.Add(Blocked(kT0, 1, "10.0.0.2:40000"), kT0), SizeIs(1));
  for (uint32_t i = 1; i <= 100; ++i) {
    const absl::Time t = kT0 + absl::Milliseconds(i);
    EXPECT_THAT(agg.Add(Blocked(t, 1 + i, "10.0.0.2:" + std::to_string(40000 + i)), t), IsEmpty());
  }
  const std::vector<Event> out = agg.Flush(kT0 + absl::Seconds(1));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 100u);
  EXPECT_EQ(ToTime(out[0].first_time()), kT0 + absl::Milliseconds(1));
  EXPECT_EQ(ToTime(out[0].last_time()), kT0 + absl::Milliseconds(100));
  EXPECT_EQ(out[0].pid(), 101u);
  EXPECT_EQ(out[0].src(), "10.0.0.2:40100");
  EXPECT_EQ(agg.folded(), 100u);
}

TEST(AggregatorTest, FlushEmitsEveryPendingSummaryAndForgetsAll) {
  Aggregator agg;
  Event other = Blocked(kT0);
  other.set_dst("10.0.1.7:9090");
  agg.Add(Blocked(kT0), kT0);
  agg.Add(other, kT0);
  agg.Add(Blocked(kT0 + absl::Seconds(1)), kT0 + absl::Seconds(1));
  agg.Add(other, kT0 + absl::Seconds(2));
  agg.Add(other, kT0 + absl::Seconds(3));
  Event lone = Blocked(kT0);
  lone.set_dst("10.0.1.7:7070");
  agg.Add(lone, kT0 + absl::Seconds(3));
  const std::vector<Event> out = agg.Flush(kT0 + absl::Seconds(4));
  ASSERT_THAT(out, SizeIs(2));  // the lone key has nothing to summarize
  EXPECT_EQ(out[0].dst(), "10.0.1.7:8080");
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_EQ(out[1].dst(), "10.0.1.7:9090");
  EXPECT_EQ(out[1].count(), 2u);
  EXPECT_EQ(agg.keys(), 0u);
  EXPECT_EQ(agg.NextDeadline(), absl::InfiniteFuture());
  EXPECT_THAT(agg.Flush(kT0 + absl::Seconds(5)), IsEmpty());
}

TEST(AggregatorTest, ZeroWindowEmitsEverythingAlone) {
  Aggregator agg({.window = absl::ZeroDuration()});
  for (int i = 0; i < 5; ++i) {
    const std::vector<Event> out = agg.Add(Blocked(kT0), kT0);
    ASSERT_THAT(out, SizeIs(1));
    EXPECT_EQ(out[0].count(), 1u);
  }
  EXPECT_EQ(agg.keys(), 0u);
  EXPECT_EQ(agg.NextDeadline(), absl::InfiniteFuture());
  EXPECT_THAT(agg.Flush(kT0), IsEmpty());
}

TEST(AggregatorTest, BeyondMaxKeysEmitsUnfoldedAndCountsIt) {
  Aggregator agg({.window = absl::Seconds(10), .max_keys = 2});
  auto to = [](int port) {
    Event e = Blocked(kT0);
    e.set_dst("10.0.1.7:" + std::to_string(port));
    return e;
  };
  EXPECT_THAT(agg.Add(to(1), kT0), SizeIs(1));
  EXPECT_THAT(agg.Add(to(2), kT0), SizeIs(1));
  EXPECT_THAT(agg.Add(to(3), kT0), SizeIs(1));  // no room: emitted, not held
  EXPECT_EQ(agg.overflowed(), 1u);
  EXPECT_EQ(agg.keys(), 2u);
  EXPECT_THAT(agg.Add(to(3), kT0), SizeIs(1));  // so its repeats are not folded either
  EXPECT_EQ(agg.overflowed(), 2u);
  EXPECT_THAT(agg.Add(to(1), kT0), IsEmpty());  // held keys still fold
  // Once windows end, there is room again.
  const absl::Time later = kT0 + absl::Seconds(10);
  const std::vector<Event> out = agg.Add(to(3), later);
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].dst(), "10.0.1.7:1");
  EXPECT_EQ(out[0].count(), 1u);
  EXPECT_EQ(out[1].dst(), "10.0.1.7:3");
  EXPECT_EQ(agg.overflowed(), 2u);
  EXPECT_EQ(agg.keys(), 1u);
}

TEST(AggregatorTest, EventsStandingForSeveralKeepTheirCount) {
  Aggregator agg;
  Event five = Blocked(kT0);
  five.set_count(5);
  std::vector<Event> out = agg.Add(five, kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 5u);
  Event three = Blocked(kT0 + absl::Seconds(2));
  three.set_count(3);
  SetTimestamp(kT0 + absl::Seconds(1), three.mutable_first_time());
  SetTimestamp(kT0 + absl::Seconds(2), three.mutable_last_time());
  EXPECT_THAT(agg.Add(three, kT0 + absl::Seconds(2)), IsEmpty());
  out = agg.Flush(kT0 + absl::Seconds(3));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].count(), 3u);
  EXPECT_EQ(ToTime(out[0].first_time()), kT0 + absl::Seconds(1));
}

TEST(AggregatorTest, ClockGoingBackIsTakenAsTheLatestTimeSeen) {
  Aggregator agg;
  agg.Add(Blocked(kT0), kT0 + absl::Seconds(5));
  // Earlier than the time already seen: still inside the window opened at +5 s.
  EXPECT_THAT(agg.Add(Blocked(kT0), kT0), IsEmpty());
  EXPECT_THAT(agg.Expire(kT0 + absl::Seconds(14)), IsEmpty());
  EXPECT_THAT(agg.Expire(kT0 + absl::Seconds(15)), SizeIs(1));
}

// Random sequences: the counts of everything emitted add up to the
// violations added, per key and in all; memory stays within max_keys.
TEST(AggregatorTest, CountsAddUpExactlyOverRandomSequences) {
  bool folded_somewhere = false, overflowed_somewhere = false;
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    const absl::Duration window = absl::Milliseconds(std::uniform_int_distribution<int>(0, 3000)(rng));
    const size_t max_keys = std::uniform_int_distribution<size_t>(1, 20)(rng);
    Aggregator agg({.window = window, .max_keys = max_keys});
    std::map<std::string, uint64_t> in, out;
    uint64_t total_in = 0, total_out = 0;
    absl::Time now = kT0;
    auto take = [&](const std::vector<Event>& events) {
      for (const Event& e : events) {
        ASSERT_GE(e.count(), 1u);
        out[e.dst()] += e.count();
        total_out += e.count();
        if (e.has_first_time()) {
          ASSERT_LE(ToTime(e.first_time()), ToTime(e.last_time()));
          ASSERT_EQ(ToTime(e.time()), ToTime(e.last_time()));
        }
      }
    };
    const int n = std::uniform_int_distribution<int>(1, 2000)(rng);
    for (int i = 0; i < n; ++i) {
      now += absl::Milliseconds(std::uniform_int_distribution<int>(0, 200)(rng));
      Event e = Blocked(now, rng() % 1000, "10.0.0.2:" + std::to_string(rng() % 65536));
      e.set_dst("10.0.1.7:" + std::to_string(std::uniform_int_distribution<int>(1, 30)(rng)));
      const uint64_t weight = rng() % 8 == 0 ? 1 + rng() % 5 : 0;
      if (weight > 0) e.set_count(weight);
      in[e.dst()] += weight == 0 ? 1 : weight;
      total_in += weight == 0 ? 1 : weight;
      take(agg.Add(e, now));
      if (rng() % 4 == 0) {
        take(agg.Expire(now));
        ASSERT_GT(agg.NextDeadline(), now) << "seed " << seed;
      }
      ASSERT_LE(agg.keys(), max_keys);
    }
    take(agg.Flush(now));
    folded_somewhere = folded_somewhere || agg.folded() > 0;
    overflowed_somewhere = overflowed_somewhere || agg.overflowed() > 0;
    EXPECT_EQ(total_out, total_in) << "seed " << seed;
    EXPECT_EQ(out, in) << "seed " << seed;
    EXPECT_EQ(agg.keys(), 0u);
  }
  EXPECT_TRUE(folded_somewhere);
  EXPECT_TRUE(overflowed_somewhere);
}

}  // namespace
}  // namespace nsfence::events
