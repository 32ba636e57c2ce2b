// What the agent tells operators besides its event lines: a real Prometheus
// server (Debian's) scrapes the agent during a run and must show the
// violation counters that match the events printed; identical violations
// print as one line and a summary whose counts add up.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "support/testbed/command.h"

namespace nsfence::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kIsolate[] = "isolate";
constexpr absl::Duration kScrapeWait = absl::Seconds(30);

// A TCP port nothing listens on now (bound to 0, read back, released).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class ObservabilityTest : public NetworkTest {
 protected:
  // Starts Prometheus scraping the agent every second; false (with a test
  // failure) when it does not come up.
  void StartPrometheus(const std::string& agent_metrics) {
    const std::string config = work_dir() + "/prometheus.yml";
    std::ofstream(config) << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                          << "scrape_configs:\n"
                          << "  - job_name: nsfence\n"
                          << "    static_configs: [{targets: ['" << agent_metrics << "']}]\n";
    prometheus_address_ = absl::StrCat("127.0.0.1:", FreePort());
    absl::StatusOr<BackgroundProcess> started = BackgroundProcess::Start(
        {"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + work_dir() + "/tsdb",
         "--web.listen-address=" + prometheus_address_});
    ASSERT_TRUE(started.ok()) << started.status() << " (tools/install-deps.sh installs Debian's prometheus)";
    prometheus_.emplace(*std::move(started));
    ASSERT_TRUE(prometheus_->WaitForStderr("Server is ready to receive web requests", kScrapeWait))
        << prometheus_->StderrText();
  }

  // The value of an instant query's single sample, or nullopt while there is none.
  std::optional<double> Query(const std::string& promql) {
    absl::StatusOr<testbed::CommandResult> r = testbed::RunCommand(
        {"curl", "-sS", "--max-time", "5", "--get", "--data-urlencode", "query=" + promql,
         absl::StrCat("http://", prometheus_address_, "/api/v1/query")});
    if (!r.ok() || r->exit.code != 0) return std::nullopt;
    // {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[t,"3"]}]}}
    const std::string& body = r->stdout_text;
    const size_t value = body.find("\"value\":[");
    if (value == std::string::npos || body.find("\"value\":[", value + 1) != std::string::npos) return std::nullopt;
    const size_t open = body.find(",\"", value);
    const size_t close = body.find('"', open + 2);
    double v = 0;
    if (open == std::string::npos || close == std::string::npos ||
        !absl::SimpleAtod(body.substr(open + 2, close - open - 2), &v)) {
      return std::nullopt;
    }
    return v;
  }

  // Polls until `promql` has the value `want`; the last value seen otherwise.
  std::optional<double> WaitForValue(const std::string& promql, double want) {
    const absl::Time deadline = absl::Now() + kScrapeWait;
    std::optional<double> seen;
    while (absl::Now() < deadline) {
      seen = Query(promql);
      if (seen == want) return seen;
      absl::SleepFor(absl::Milliseconds(500));
    }
    return seen;
  }

  void TearDown() override {
    if (prometheus_) prometheus_->Terminate(absl::Seconds(5));
    NetworkTest::TearDown();
  }

  std::optional<BackgroundProcess> prometheus_;
  std::string prometheus_address_;
};

TEST_F(ObservabilityTest, PrometheusScrapesViolationCountersThatMatchThePrintedEvents) {
  WritePolicy(kIsolate, Policy(kIsolate, kJobNamespaces, "crossNamespace: deny"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const std::string agent_metrics = AgentMetricsAddress();
  ASSERT_FALSE(agent_metrics.empty()) << agent().StderrText();
  ASSERT_NO_FATAL_FAILURE(StartPrometheus(agent_metrics));

  for (int port : {8080, 8081, 8082}) EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, port)), kDenied);
  EXPECT_EQ(Probe(*worker_, TcpConnect(*runner_, 9000)), kDenied);
  ASSERT_NO_FATAL_FAILURE(WaitForEvents(4));

  EXPECT_EQ(WaitForValue(R"(up{job="nsfence"})", 1), 1);
  EXPECT_EQ(WaitForValue(R"(nsfence_violations_total{kind="network",action="blocked",namespace="job-a",policy="isolate"})", 3),
            3);
  EXPECT_EQ(WaitForValue(R"(nsfence_violations_total{kind="network",action="blocked",namespace="job-b"})", 1), 1);
  EXPECT_EQ(WaitForValue(R"(sum(nsfence_violations_total))", 4), 4);
  EXPECT_EQ(WaitForValue(R"(sum(nsfence_events_lost_total))", 0), 0);
  EXPECT_EQ(WaitForValue(R"(nsfence_policy_generation)", 1), 1);
  EXPECT_EQ(WaitForValue(R"(nsfence_enforcement_backend{capability="exec",backend="tracepoint"})", 1), 1)
      << "this kernel refuses BPF LSM";
  EXPECT_EQ(WaitForValue(R"(nsfence_bpf_map_entries{map="nsf_identities"})", 2), 2) << "job-a and job-b";
  EXPECT_EQ(WaitForValue(R"(nsfence_event_pipeline_latency_seconds_count)", 4), 4);

  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), SizeIs(4));
}

TEST_F(ObservabilityTest, IdenticalViolationsPrintAsOneLineAndASummaryWhoseCountsAddUp) {
  WritePolicy(kIsolate, Policy(kIsolate, kJobNamespaces, "crossNamespace: deny"));
  ASSERT_NO_FATAL_FAILURE(StartAgent({.extra_args = {"--aggregate-seconds=2"}}));
  // Five connections, five sockets: five kernel reports of one violation.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(WaitForEvents(2));  // the first, then the summary once the window ends
  ASSERT_NO_FATAL_FAILURE(StopAgent());

  const std::vector<events::Event> events = ParsedEvents();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolate),
                                    Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolate)));
  EXPECT_EQ(events[0].count(), 1u);
  EXPECT_FALSE(events[0].has_first_time());
  EXPECT_EQ(events[1].count(), 4u) << "the repeats";
  ASSERT_TRUE(events[1].has_first_time() && events[1].has_last_time());
  EXPECT_LE(events[1].first_time().seconds(), events[1].last_time().seconds());
  EXPECT_EQ(events[1].time().seconds(), events[1].last_time().seconds());
  EXPECT_EQ(events[0].count() + events[1].count(), 5u);
}

}  // namespace
}  // namespace nsfence::e2e
