// EventPipeline: aggregation, then the per-namespace rate limit; and the
// JSON of the lines it makes.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "events/aggregator.h"
#include "events/events.pb.h"
#include "events/json.h"
#include "events/pipeline.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::events {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Event Blocked(const std::string& ns, int port, absl::Time t) {
  Event e;
  SetTimestamp(t, e.mutable_time());
  e.set_kind("network");
  e.set_action("blocked");
  e.set_direction("egress");
  e.set_namespace_(ns);
  e.set_pod("runner");
  e.set_pid(4181);
  e.set_comm("curl");
  e.set_protocol("tcp");
  e.set_src("10.0.0.2:41000");
  e.set_dst("10.0.1.7:" + std::to_string(port));
  e.set_peer_namespace("job-b");
  e.set_peer_pod("worker");
  e.set_policy("workflow-jobs");
  return e;
}

TEST(EventPipelineTest, AggregatesThenLimitsAndCountsAddUp) {
  EventPipeline pipeline({.aggregation_window = absl::Seconds(10), .rate = 2, .burst = 3});
  std::vector<Event> lines;
  auto take = [&](std::vector<Event> out) { for (Event& e : out) lines.push_back(std::move(e)); };
  // 1000 repeats of one flow: one line now, one summary at the window's end.
  for (int i = 0; i < 1000; ++i) take(pipeline.Push(Blocked("job-a", 8080, kT0 + absl::Milliseconds(i)), kT0 + absl::Milliseconds(i)));
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(pipeline.NextDeadline(), kT0 + absl::Seconds(10));
  take(pipeline.Tick(kT0 + absl::Seconds(10)));
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[1].count(), 999u);
  // 5 distinct flows at once: the bucket (3) refilled, less the summary's line: 2 pass, then a summary.
  lines.clear();
  const absl::Time t = kT0 + absl::Seconds(10);
  for (int port = 1; port <= 5; ++port) take(pipeline.Push(Blocked("job-a", port, t), t));
  ASSERT_THAT(lines, SizeIs(3));
  EXPECT_EQ(lines[2].kind(), "suppressed");
  EXPECT_EQ(lines[2].count(), 1u);
  // Another namespace is not affected.
  take(pipeline.Push(Blocked("job-c", 1, t), t));
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_EQ(lines[3].namespace_(), "job-c");
  EXPECT_EQ(lines[3].kind(), "network");
  take(pipeline.Flush(t + absl::Milliseconds(1)));
  EXPECT_EQ(pipeline.suppressed_total(), 3u);
  EXPECT_EQ(pipeline.suppressed("job-a"), 3u);
  EXPECT_EQ(pipeline.violations(), 1006u);
  EXPECT_EQ(pipeline.folded(), 999u);
  EXPECT_EQ(pipeline.NextDeadline(), absl::InfiniteFuture());
}

TEST(EventPipelineTest, CountsAddUpOverRandomSequences) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    EventPipeline pipeline({.aggregation_window = absl::Milliseconds(rng() % 5000),
                            .rate = rng() % 30,
                            .burst = 1 + rng() % 30,
                            .max_keys = 1 + rng() % 40,
                            .max_namespaces = 1 + rng() % 4});
    uint64_t in = 0, out = 0, lines = 0, suppressed_told = 0;
    auto take = [&](const std::vector<Event>& events) {
      for (const Event& e : events) {
        ASSERT_GE(e.count(), 1u);
        out += e.count();
        ++lines;
        if (e.kind() == "suppressed") suppressed_told += e.count();
      }
    };
    absl::Time now = kT0;
    for (int i = 0; i < 3000; ++i) {
      now += absl::Milliseconds(rng() % 50);
      const std::string ns = "ns-" + std::to_string(rng() % 5);
      take(pipeline.Push(Blocked(ns, 1 + static_cast<int>(rng() % 20), now), now));
      ++in;
      if (pipeline.NextDeadline() <= now || rng() % 10 == 0) take(pipeline.Tick(now));
    }
    take(pipeline.Flush(now));
    EXPECT_EQ(out, in) << "seed " << seed;
    EXPECT_EQ(pipeline.violations(), in);
    EXPECT_EQ(pipeline.lines(), lines);
    EXPECT_EQ(suppressed_told, pipeline.suppressed_total());
  }
}

TEST(EventPipelineTest, EverythingOffPassesEachEventAlone) {
  EventPipeline pipeline({.aggregation_window = absl::ZeroDuration(), .rate = 0});
  for (int i = 0; i < 100; ++i) {
    const std::vector<Event> out = pipeline.Push(Blocked("job-a", 8080, kT0), kT0);
    ASSERT_THAT(out, SizeIs(1));
    EXPECT_EQ(out[0].count(), 1u);
  }
  EXPECT_EQ(pipeline.NextDeadline(), absl::InfiniteFuture());
  EXPECT_THAT(pipeline.Flush(kT0), IsEmpty());
}

TEST(EventJsonTest, CountPrintsAsANumberAndSummariesCarryTheirTimes) {
  Aggregator agg;
  const absl::Time t1 = kT0 + absl::Seconds(1), t2 = kT0 + absl::Seconds(4);
  std::vector<Event> out = agg.Add(Blocked("job-a", 8080, kT0), kT0);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_THAT(ToJsonLine(out[0]), HasSubstr(R"("policy":"workflow-jobs","count":1})"));
  agg.Add(Blocked("job-a", 8080, t1), t1);
  agg.Add(Blocked("job-a", 8080, t2), t2);
  out = agg.Flush(t2);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(ToJsonLine(out[0]),
            R"({"time":"2027-01-15T08:00:04Z","kind":"network","action":"blocked","direction":"egress",)"
            R"("namespace":"job-a","pod":"runner","pid":4181,"comm":"curl","protocol":"tcp",)"
            R"("src":"10.0.0.2:41000","dst":"10.0.1.7:8080","peer_namespace":"job-b","peer_pod":"worker",)"
            R"("policy":"workflow-jobs","count":2,"first_time":"2027-01-15T08:00:01Z",)"
            R"("last_time":"2027-01-15T08:00:04Z"})");
}

TEST(EventJsonTest, OnlyTheCountFieldIsUnquoted) {
  Event e;
  e.set_kind("suppressed");
  e.set_comm(R"("count":"7")");
  e.set_filename(R"(,"count":"8")");
  e.set_count(12);
  EXPECT_EQ(ToJsonLine(e), R"({"kind":"suppressed","comm":"\"count\":\"7\"","filename":",\"count\":\"8\"","count":12})");
  Event none;
  none.set_kind("network");
  EXPECT_EQ(ToJsonLine(none), R"({"kind":"network"})");
  Event big;
  big.set_count(18'446'744'073'709'551'615ULL);
  EXPECT_EQ(ToJsonLine(big), R"({"count":18446744073709551615})");
}

}  // namespace
}  // namespace nsfence::events
