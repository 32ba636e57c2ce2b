// Overload: with a ring buffer of one page and the agent stopped (SIGSTOP)
// while a pod floods denied datagrams, most records cannot be reserved. The
// loss must be accounted exactly: every denied sendmsg of a flow of its own is
// either a printed line or one count of ringbuf_reserve_failed, and the
// metrics and the agent's stop log tell the same numbers.
#include <signal.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "e2e/e2e_support.h"
#include "gtest/gtest.h"
#include "support/testbed/command.h"

namespace nsfence::e2e {
namespace {

using testbed::CommandResult;
using testbed::RunCommand;

constexpr char kIsolate[] = "isolate";
constexpr int kFirstPort = 30000;
constexpr int kFlows = 20000;
constexpr absl::Duration kDrainWait = absl::Seconds(20);

// N, V and S of the stop log "printed N violation lines (V violations, S held
// back by rate limits)".
struct StopSummary {
  int64_t printed = -1;
  int64_t violations = -1;
  int64_t held_back = -1;
};

std::optional<StopSummary> ParseStopSummary(const std::string& log) {
  const std::string marker = "printed ";
  for (size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    const size_t end = log.find('\n', at);
    const std::string line = log.substr(at, end == std::string::npos ? end : end - at);
    if (!absl::StrContains(line, "violation lines")) continue;
    std::vector<std::string> words = absl::StrSplit(line, absl::ByAnyChar(" (,)"), absl::SkipEmpty());
    // printed N violation lines V violations S held back by rate limits
    StopSummary s;
    if (words.size() >= 8 && absl::SimpleAtoi(words[1], &s.printed) &&
        absl::SimpleAtoi(words[4], &s.violations) && absl::SimpleAtoi(words[6], &s.held_back)) {
      return s;
    }
  }
  return std::nullopt;
}

using OverloadTest = NetworkTest;

TEST_F(OverloadTest, LostRecordsAreExactlyTheDeniedFlowsThatWereNotPrinted) {
  WritePolicy(kIsolate, Policy(kIsolate, kJobNamespaces, "crossNamespace: deny"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(
      {.extra_args = {"--ringbuf-bytes=4096", "--rate-limit=0", "--stats-seconds=1"}}));
  const std::string metrics = AgentMetricsAddress();
  ASSERT_FALSE(metrics.empty()) << agent().StderrText();

  // The agent reads fast; stopped, it reads nothing while the page fills.
  ASSERT_TRUE(agent().Signal(SIGSTOP).ok());
  std::vector<std::string> flood = {testbed_->tools().netprobe, "udp-flood",
                                    worker_->ipv4().ToString(),
                                    absl::StrCat(kFirstPort), absl::StrCat(kFlows)};
  absl::StatusOr<CommandResult> flooded = RunCommand(runner_->CommandLine(flood));
  ASSERT_TRUE(agent().Signal(SIGCONT).ok());
  ASSERT_TRUE(flooded.ok()) << flooded.status();
  int64_t sent = -1, denied = -1;
  {
    const std::vector<std::string> words =
        absl::StrSplit(absl::StripTrailingAsciiWhitespace(flooded->stdout_text), ' ');
    ASSERT_TRUE(words.size() == 4 && words[0] == "sent" && words[2] == "denied" &&
                absl::SimpleAtoi(words[1], &sent) && absl::SimpleAtoi(words[3], &denied))
        << flooded->stdout_text << flooded->stderr_text;
  }
  EXPECT_EQ(sent, 0);
  EXPECT_EQ(denied, kFlows) << "every flow is denied at sendmsg()";

  // Drained once the kernel's counters (read every second) account for every
  // denied sendmsg and every submitted record is printed.
  const auto printed_lines = [&] {
    int64_t n = 0;
    for (const std::string& line : agent().StdoutLines()) {
      if (absl::StrContains(line, R"("kind":"network")")) ++n;
    }
    return n;
  };
  std::string exposition;
  std::optional<double> submitted, reserve_failed, lost;
  const absl::Time deadline = absl::Now() + kDrainWait;
  while (absl::Now() < deadline) {
    exposition = ScrapeMetrics(metrics);
    submitted = MetricSample(exposition, R"(nsfence_kernel_counter_total{counter="events_submitted"})");
    reserve_failed =
        MetricSample(exposition, R"(nsfence_kernel_counter_total{counter="ringbuf_reserve_failed"})");
    lost = MetricSample(exposition, R"(nsfence_events_lost_total{stage="kernel_ringbuf"})");
    if (submitted && reserve_failed && lost && *submitted + *reserve_failed == denied &&
        *lost == *reserve_failed && printed_lines() == *submitted) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  const int64_t printed = printed_lines();
  ASSERT_TRUE(submitted && reserve_failed && lost) << exposition;
  ASSERT_NO_FATAL_FAILURE(StopAgent());

  EXPECT_EQ(*submitted, printed) << "every record submitted is printed";
  EXPECT_EQ(printed + *reserve_failed, denied) << "exact: printed plus lost in the kernel";
  EXPECT_EQ(*lost, denied - printed);
  EXPECT_GT(*lost, 0) << "the ring buffer of one page must have overflowed";
  EXPECT_GT(printed, 0) << "what fitted in the page is printed";
  EXPECT_EQ(MetricSample(exposition, R"(nsfence_events_lost_total{stage="rate_limit"})"), 0);

  const std::optional<StopSummary> summary = ParseStopSummary(agent().StderrText());
  ASSERT_TRUE(summary.has_value()) << agent().StderrText();
  EXPECT_EQ(summary->printed, printed);
  EXPECT_EQ(summary->violations, printed);
  EXPECT_EQ(summary->held_back, 0);
  EXPECT_TRUE(absl::StrContains(agent().StderrText(),
                                absl::StrCat("Total lost: ", static_cast<int64_t>(*lost))))
      << agent().StderrText();

  // What was printed: distinct flows of the flood, each reported once.
  const std::vector<events::Event> events = ParsedEvents();
  ASSERT_EQ(static_cast<int64_t>(events.size()), printed);
  std::set<std::string> destinations;
  for (const events::Event& event : events) {
    EXPECT_EQ(event.action(), "blocked");
    EXPECT_EQ(event.direction(), "egress");
    EXPECT_EQ(event.protocol(), "udp");
    EXPECT_EQ(absl::StrCat(event.namespace_(), "/", event.pod()), "job-a/runner");
    EXPECT_EQ(event.policy(), kIsolate);
    destinations.insert(event.dst());
  }
  EXPECT_EQ(static_cast<int64_t>(destinations.size()), printed) << "one line per flow";
  std::cerr << "overload: denied " << denied << " printed " << printed << " lost " << *lost
            << "\n";
}

}  // namespace
}  // namespace nsfence::e2e
