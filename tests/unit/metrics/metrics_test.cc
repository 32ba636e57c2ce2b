#include "metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The value of one series ("name{labels}") in a text exposition; -1 if absent.
double Value(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double v = 0;
    // prometheus-cpp may append a timestamp; the value comes first.
    if (absl::SimpleAtod(line.substr(0, line.find(' ')), &v)) return v;
  }
  return -1;
}

std::string Type(const std::string& text, const std::string& family) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, absl::StrCat("# TYPE ", family, " "))) return std::string(line);
  }
  return "";
}

TEST(MetricsTest, EveryFamilyHasItsTypeAndLabels) {
  Metrics m;
  m.OnViolation("network", "blocked", "job-a", "workflow-jobs");
  m.OnViolation("network", "blocked", "job-a", "workflow-jobs");
  m.OnViolation("tls", "audited", "payments", "tls-floor");
  m.ObserveLatency(absl::Milliseconds(3));
  m.OnLost(LostStage::kRateLimit, 4);
  m.SetRingbuf(4096, 1 << 20);
  m.OnReload(true, 3, absl::FromUnixSeconds(1700000000));
  m.OnReload(false, 3, absl::FromUnixSeconds(1700000100));
  m.SetMap("nsf_endpoints", 12, 65536);
  m.SetBackend("exec", "lsm");
  m.SetQuarantinedPods(0);
  std::array<uint64_t, NSFENCE_CNT_MAX> totals{};
  totals[NSFENCE_CNT_EGRESS_BLOCKED] = 7;
  m.SetKernelCounters(totals);
  const std::string text = m.Text();

  EXPECT_EQ(Type(text, "nsfence_violations_total"), "counter");
  EXPECT_EQ(Value(text, R"(nsfence_violations_total{action="blocked",kind="network",namespace="job-a",policy="workflow-jobs"})"), 2);
  EXPECT_EQ(Value(text, R"(nsfence_violations_total{action="audited",kind="tls",namespace="payments",policy="tls-floor"})"), 1);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("pod=")));

  EXPECT_EQ(Type(text, "nsfence_events_lost_total"), "counter");
  EXPECT_EQ(Value(text, R"(nsfence_events_lost_total{stage="kernel_ringbuf"})"), 0);
  EXPECT_EQ(Value(text, R"(nsfence_events_lost_total{stage="undecodable"})"), 0);
  EXPECT_EQ(Value(text, R"(nsfence_events_lost_total{stage="rate_limit"})"), 4);

  EXPECT_EQ(Type(text, "nsfence_ringbuf_used_bytes"), "gauge");
  EXPECT_EQ(Value(text, "nsfence_ringbuf_used_bytes"), 4096);
  EXPECT_EQ(Type(text, "nsfence_ringbuf_size_bytes"), "gauge");
  EXPECT_EQ(Value(text, "nsfence_ringbuf_size_bytes"), 1 << 20);

  EXPECT_EQ(Type(text, "nsfence_event_pipeline_latency_seconds"), "histogram");
  EXPECT_EQ(Value(text, "nsfence_event_pipeline_latency_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(Value(text, "nsfence_event_pipeline_latency_seconds_sum"), 0.003);
  EXPECT_EQ(Value(text, R"(nsfence_event_pipeline_latency_seconds_bucket{le="0.0001"})"), 0);
  EXPECT_EQ(Value(text, R"(nsfence_event_pipeline_latency_seconds_bucket{le="0.005"})"), 1);
  EXPECT_EQ(Value(text, R"(nsfence_event_pipeline_latency_seconds_bucket{le="10"})"), 1);
  EXPECT_EQ(Value(text, R"(nsfence_event_pipeline_latency_seconds_bucket{le="+Inf"})"), 1);

  EXPECT_EQ(Type(text, "nsfence_policy_reloads_total"), "counter");
  EXPECT_EQ(Value(text, R"(nsfence_policy_reloads_total{result="success"})"), 1);
  EXPECT_EQ(Value(text, R"(nsfence_policy_reloads_total{result="failure"})"), 1);
  EXPECT_EQ(Type(text, "nsfence_policy_generation"), "gauge");
  EXPECT_EQ(Value(text, "nsfence_policy_generation"), 3);
  EXPECT_EQ(Type(text, "nsfence_policy_last_reload_success_timestamp_seconds"), "gauge");
  EXPECT_EQ(Value(text, "nsfence_policy_last_reload_success_timestamp_seconds"), 1700000000);

  EXPECT_EQ(Type(text, "nsfence_bpf_map_entries"), "gauge");
  EXPECT_EQ(Value(text, R"(nsfence_bpf_map_entries{map="nsf_endpoints"})"), 12);
  EXPECT_EQ(Type(text, "nsfence_bpf_map_capacity"), "gauge");
  EXPECT_EQ(Value(text, R"(nsfence_bpf_map_capacity{map="nsf_endpoints"})"), 65536);

  EXPECT_EQ(Type(text, "nsfence_quarantined_pods"), "gauge");
  EXPECT_EQ(Value(text, "nsfence_quarantined_pods"), 0);
  EXPECT_EQ(Type(text, "nsfence_enforcement_backend"), "gauge");
  EXPECT_EQ(Value(text, R"(nsfence_enforcement_backend{backend="lsm",capability="exec"})"), 1);

  EXPECT_EQ(Type(text, "nsfence_kernel_counter_total"), "counter");
  EXPECT_EQ(Value(text, R"(nsfence_kernel_counter_total{counter="egress_blocked"})"), 7);
  EXPECT_EQ(Value(text, R"(nsfence_kernel_counter_total{counter="exec_signal_failed"})"), 0);

  EXPECT_EQ(Type(text, "nsfence_build_info"), "gauge");
  EXPECT_THAT(text, HasSubstr("nsfence_build_info{version=\""));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("nsfence_build_info{version=\"\"}")));
}

TEST(MetricsTest, FixedSeriesExistBeforeAnythingHappens) {
  const std::string text = Metrics().Text();
  for (const char* stage : {"kernel_ringbuf", "undecodable", "rate_limit"}) {
    EXPECT_EQ(Value(text, absl::StrCat("nsfence_events_lost_total{stage=\"", stage, "\"}")), 0) << stage;
  }
  EXPECT_EQ(Value(text, R"(nsfence_policy_reloads_total{result="failure"})"), 0);
  EXPECT_EQ(Value(text, "nsfence_quarantined_pods"), 0);
  EXPECT_EQ(Value(text, "nsfence_event_pipeline_latency_seconds_count"), 0);
  for (int i = 0; i < NSFENCE_CNT_MAX; ++i) {
    EXPECT_EQ(Value(text, absl::StrCat("nsfence_kernel_counter_total{counter=\"", KernelCounterName(i), "\"}")), 0)
        << KernelCounterName(i);
  }
}

TEST(MetricsTest, EveryKernelCounterHasAStableSnakeCaseName) {
  std::set<std::string> names;
  for (int i = 0; i < NSFENCE_CNT_MAX; ++i) {
    const std::string name(KernelCounterName(i));
    ASSERT_FALSE(name.empty()) << "counter " << i << " has no name";
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(NSFENCE_CNT_MAX));
  EXPECT_EQ(KernelCounterName(NSFENCE_CNT_EGRESS_BLOCKED), "egress_blocked");
  EXPECT_EQ(KernelCounterName(NSFENCE_CNT_TLS_HELLOS), "tls_hellos");
  EXPECT_EQ(KernelCounterName(NSFENCE_CNT_EXEC_SIGNAL_FAILED), "exec_signal_failed");
  EXPECT_EQ(KernelCounterName(NSFENCE_CNT_RINGBUF_RESERVE_FAILED), "ringbuf_reserve_failed");
  EXPECT_EQ(KernelCounterName(NSFENCE_CNT_MAX), "");
}

TEST(MetricsTest, KernelCountersFollowTotalsByIncreaseAndNeverDecrease) {
  Metrics m;
  std::array<uint64_t, NSFENCE_CNT_MAX> totals{};
  const auto egress = [&] { return Value(m.Text(), R"(nsfence_kernel_counter_total{counter="egress_blocked"})"); };
  const auto lost = [&] { return Value(m.Text(), R"(nsfence_events_lost_total{stage="kernel_ringbuf"})"); };
  // A restarted agent on pinned maps starts from the kernel's totals.
  totals[NSFENCE_CNT_EGRESS_BLOCKED] = 5;
  totals[NSFENCE_CNT_RINGBUF_RESERVE_FAILED] = 2;
  m.SetKernelCounters(totals);
  EXPECT_EQ(egress(), 5);
  EXPECT_EQ(lost(), 2);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_kernel_counter_total{counter="ringbuf_reserve_failed"})"), 2);
  totals[NSFENCE_CNT_EGRESS_BLOCKED] = 8;
  m.SetKernelCounters(totals);
  m.SetKernelCounters(totals);  // unchanged: nothing added
  EXPECT_EQ(egress(), 8);
  EXPECT_EQ(lost(), 2);
  // Maps recreated under us: a lower total is the new base, the counter stays.
  totals[NSFENCE_CNT_EGRESS_BLOCKED] = 3;
  m.SetKernelCounters(totals);
  EXPECT_EQ(egress(), 8);
  totals[NSFENCE_CNT_EGRESS_BLOCKED] = 4;
  totals[NSFENCE_CNT_RINGBUF_RESERVE_FAILED] = 10;
  m.SetKernelCounters(totals);
  EXPECT_EQ(egress(), 9);
  EXPECT_EQ(lost(), 10);
}

TEST(MetricsTest, LostStagesFollowTotalsKeptElsewhere) {
  Metrics m;
  for (uint64_t total : {0, 3, 3, 5}) m.SetLostTotal(LostStage::kUndecodable, total);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_events_lost_total{stage="undecodable"})"), 5);
  for (uint64_t total : {10, 4, 6}) m.SetLostTotal(LostStage::kRateLimit, total);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_events_lost_total{stage="rate_limit"})"), 12);
  // The kernel stage shares its base with SetKernelCounters: no double count.
  std::array<uint64_t, NSFENCE_CNT_MAX> totals{};
  totals[NSFENCE_CNT_RINGBUF_RESERVE_FAILED] = 7;
  m.SetKernelCounters(totals);
  m.SetLostTotal(LostStage::kKernelRingbuf, 7);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_events_lost_total{stage="kernel_ringbuf"})"), 7);
}

TEST(MetricsTest, ASummaryLineCountsEveryViolationItStandsFor) {
  Metrics m;
  m.OnViolation("network", "blocked", "job-a", "p");
  m.OnViolation("network", "blocked", "job-a", "p", 39);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_violations_total{action="blocked",kind="network",namespace="job-a",policy="p"})"), 40);
}

TEST(MetricsTest, FailedReloadKeepsTheLastSuccessTime) {
  Metrics m;
  m.OnReload(true, 1, absl::FromUnixSeconds(100));
  m.OnReload(false, 1, absl::FromUnixSeconds(200));
  EXPECT_EQ(Value(m.Text(), "nsfence_policy_last_reload_success_timestamp_seconds"), 100);
  m.OnReload(true, 2, absl::FromUnixSeconds(300));
  EXPECT_EQ(Value(m.Text(), "nsfence_policy_last_reload_success_timestamp_seconds"), 300);
  EXPECT_EQ(Value(m.Text(), "nsfence_policy_generation"), 2);
  EXPECT_EQ(Value(m.Text(), R"(nsfence_policy_reloads_total{result="success"})"), 2);
}

TEST(MetricsTest, ACapabilityHasOneBackend) {
  Metrics m;
  m.SetBackend("exec", "lsm");
  m.SetBackend("exec", "tracepoint");
  m.SetBackend("exec", "tracepoint");
  const std::string text = m.Text();
  EXPECT_EQ(Value(text, R"(nsfence_enforcement_backend{backend="tracepoint",capability="exec"})"), 1);
  EXPECT_EQ(Value(text, R"(nsfence_enforcement_backend{backend="lsm",capability="exec"})"), -1);
}

TEST(MetricsTest, NegativeLatencyCountsAsZero) {
  Metrics m;
  m.ObserveLatency(-absl::Seconds(1));
  EXPECT_EQ(Value(m.Text(), R"(nsfence_event_pipeline_latency_seconds_bucket{le="0.0001"})"), 1);
}

TEST(ListenAddressTest, ParsesIpv4AndPort) {
  absl::StatusOr<ListenAddress> a = ParseListenAddress("127.0.0.1:9479");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9479);
  EXPECT_TRUE(ParseListenAddress("0.0.0.0:0").ok());
}

TEST(ListenAddressTest, ErrorsNameTheFlag) {
  for (const char* bad : {"", "127.0.0.1", "localhost:9479", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:x",
                          "[::1]:9479", "999.1.1.1:80", ":9479"}) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_THAT(std::string(a.status().message()), StartsWith("--metrics-address expects")) << bad;
  }
}

// A listening socket on 127.0.0.1, any free port; closes on destruction.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    socklen_t len = sizeof(sin);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ServeTest, PortInUseIsAClearError) {
  Listener taken;
  Metrics m;
  const std::string address = absl::StrCat("127.0.0.1:", taken.port());
  const absl::Status s = m.Serve(address);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("--metrics-address ", address, ": cannot listen")));
  EXPECT_THAT(std::string(s.message()), HasSubstr("in use"));
  EXPECT_EQ(m.serving(), "");
}

TEST(ServeTest, BadAddressIsAClearError) {
  Metrics m;
  const absl::Status s = m.Serve("localhost:9479");
  EXPECT_THAT(std::string(s.message()), StartsWith("--metrics-address expects"));
}

TEST(ServeTest, AddressNotOfThisHostIsAClearError) {
  Metrics m;
  const absl::Status s = m.Serve("192.0.2.1:9479");  // TEST-NET-1
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("--metrics-address 192.0.2.1:9479: cannot listen"));
}

// GET path over HTTP/1.0; the whole response.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{.sin_family = AF_INET, .sin_port = htons(static_cast<uint16_t>(port))};
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0) {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

TEST(ServeTest, ScrapeReturnsTheText) {
  Metrics m;
  ASSERT_TRUE(m.Serve("127.0.0.1:0").ok());
  ASSERT_THAT(m.serving(), StartsWith("127.0.0.1:"));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(m.serving().substr(m.serving().find(':') + 1), &port));
  ASSERT_GT(port, 0);
  m.OnViolation("device", "blocked", "job-b", "workflow-jobs");
  const std::string response = HttpGet(port, "/metrics");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("# TYPE nsfence_build_info gauge"));
  EXPECT_THAT(response,
              HasSubstr(R"(nsfence_violations_total{action="blocked",kind="device",namespace="job-b",policy="workflow-jobs"} 1)"));

  // Another agent on the same address is refused while this one serves.
  Metrics second;
  const absl::Status s = second.Serve(m.serving());
  EXPECT_THAT(std::string(s.message()), HasSubstr("in use"));
}

TEST(ServeTest, StopsAtOnceAndFreesTheAddress) {
  std::optional<Metrics> m(std::in_place);
  ASSERT_TRUE(m->Serve("127.0.0.1:0").ok());
  const std::string address = m->serving();
  const absl::Time start = absl::Now();
  m.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  // A restarted agent gets the address at once.
  Metrics next;
  EXPECT_TRUE(next.Serve(address).ok()) << address;
}

}  // namespace
}  // namespace nsfence::metrics

namespace nsfence::metrics {
namespace {

TEST(MetricsRetentionTest, SeriesOfANamespaceGoneForTheLingerAreRemoved) {
  Metrics m;
  m.OnViolation("network", "blocked", "job-a", "jobs");
  m.OnViolation("network", "blocked", "job-b", "jobs");
  m.OnResponse("quarantine", "taken", "job-b");
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  m.RetainNamespaces({"job-a"}, t0);  // job-b gone from now
  m.RetainNamespaces({"job-a"}, t0 + absl::Minutes(4));
  EXPECT_NE(m.Text().find(R"(namespace="job-b")"), std::string::npos) << "still within the linger";
  m.RetainNamespaces({"job-a"}, t0 + absl::Minutes(5));
  EXPECT_EQ(m.Text().find(R"(namespace="job-b")"), std::string::npos);
  EXPECT_NE(m.Text().find(R"(namespace="job-a")"), std::string::npos);
  // A namespace of that name later starts from zero, and the cached series
  // of the last violation is not used after its removal.
  m.OnViolation("network", "blocked", "job-b", "jobs");
  EXPECT_NE(m.Text().find(R"(nsfence_violations_total{action="blocked",kind="network",namespace="job-b",policy="jobs"} 1)"),
            std::string::npos)
      << m.Text();
}

TEST(MetricsRetentionTest, ANamespaceThatComesBackInTimeKeepsItsSeries) {
  Metrics m;
  m.OnViolation("network", "blocked", "job-a", "jobs");
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  m.RetainNamespaces({}, t0);
  m.RetainNamespaces({"job-a"}, t0 + absl::Minutes(3));
  m.RetainNamespaces({}, t0 + absl::Minutes(6));  // gone again: counted from here
  EXPECT_NE(m.Text().find(R"(namespace="job-a")"), std::string::npos);
}

}  // namespace
}  // namespace nsfence::metrics
