// The agent's stdout as a record of violations: each one exactly once, with
// the right names, addresses, sender and time.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/testbed/exec.h"

namespace nsfence::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kLockJobA[] = "lock-job-a";
constexpr char kWatchJobB[] = "watch-job-b";
constexpr Family kV6 = Family::kV6;

// The port of "ip:port" or "[ip]:port"; -1 when there is none.
int PortOf(const std::string& address) {
  int port = -1;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return -1;
  return port;
}

class NetworkEventsTest : public NetworkTest {
 protected:
  // job-a enforced, job-b audited, infra ungoverned.
  void WritePolicies() {
    WritePolicy(kLockJobA, Policy(kLockJobA, "{matchLabels: {kubernetes.io/metadata.name: job-a}}",
                                  "crossNamespace: deny"));
    WritePolicy(kWatchJobB,
                Policy(kWatchJobB, "{matchLabels: {kubernetes.io/metadata.name: job-b}}",
                       "crossNamespace: deny", "audit"));
  }
};

TEST_F(NetworkEventsTest, EveryViolationIsPrintedExactlyOnce) {
  WritePolicies();
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  ASSERT_TRUE(ServeTcp(*cache_, {8080}));
  ASSERT_TRUE(ServeUdp(*cache_, {5353}));
  ExpectProbes({
      // Two attempts are two violations, even to the same peer.
      {*runner_, TcpConnect(*worker_, 8080), kDenied},
      {*runner_, TcpConnect(*worker_, 8080), kDenied},
      {*runner_, UdpSend(*cache_, 5353, kV6), kDenied},
      {*worker_, TcpConnect(*cache_, 8080), kOk},
      {*worker_, UdpRoundTrip(*cache_, 5353), kOk},
      // Audited on the way out of job-b, blocked on the way into job-a; the
      // SYN retransmissions are not new violations.
      {*worker_, TcpConnect(*runner_, 8080), kTimedOut},
      {*internet_, TcpConnect(*runner_, 8080, kV6), kTimedOut},
      {*internet_, TcpConnect(*worker_, 8080), kOk},
      {*helper_, TcpConnect(*runner_, 8080), kOk},
  });
  EXPECT_GE(SynRetransmissions(*worker_), 1);
  EXPECT_GE(SynRetransmissions(*internet_), 1);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(agent().StderrText(), HasSubstr("printed 9 violation lines (9 violations, 0 held back by rate limits)"));
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *worker_, 8080, kLockJobA),
                            Egress("blocked", "tcp", *runner_, *worker_, 8080, kLockJobA),
                            Egress("blocked", "udp", *runner_, *cache_, 5353, kLockJobA, kV6),
                            Egress("audited", "tcp", *worker_, *cache_, 8080, kWatchJobB),
                            Egress("audited", "udp", *worker_, *cache_, 5353, kWatchJobB),
                            Egress("audited", "tcp", *worker_, *runner_, 8080, kWatchJobB),
                            Ingress("blocked", "tcp", *runner_, *worker_, 8080, kLockJobA),
                            Ingress("blocked", "tcp", *runner_, *internet_, 8080, kLockJobA, kV6),
                            Ingress("audited", "tcp", *worker_, *internet_, 8080, kWatchJobB)));
}

TEST_F(NetworkEventsTest, EventsNameTheSenderTheAddressesAndTheTime) {
  WritePolicies();
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));

  const absl::Time before = absl::Now();
  // Started rather than run, to learn its pid: podexec becomes the probe.
  absl::StatusOr<BackgroundProcess> blocked = testbed::StartInPod(
      *runner_, {testbed_->tools().netprobe, "tcp-connect", cache_->ipv4().ToString(), "8080"});
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  ASSERT_TRUE(blocked->WaitForStdout(kDenied, kAgentReacts)) << blocked->StdoutText();
  EXPECT_EQ(Probe(*internet_, TcpConnect(*runner_, 8080)), kTimedOut);
  ASSERT_NO_FATAL_FAILURE(WaitForEvents(2));
  const absl::Time after = absl::Now();
  ASSERT_NO_FATAL_FAILURE(StopAgent());

  const std::vector<events::Event> events = ParsedEvents();
  ASSERT_THAT(events, SizeIs(2));
  const events::Event& egress = events[0];
  EXPECT_EQ(egress.action(), "blocked");
  EXPECT_EQ(egress.direction(), "egress");
  EXPECT_EQ(egress.namespace_(), "job-a");
  EXPECT_EQ(egress.pod(), "runner");
  EXPECT_EQ(egress.pid(), static_cast<uint32_t>(blocked->pid()));
  EXPECT_EQ(egress.comm(), "nsfence-netprob");
  EXPECT_EQ(egress.protocol(), "tcp");
  // connect() on an unbound socket: the kernel has not picked a port yet.
  EXPECT_EQ(egress.src(), "10.200.1.2:0");
  EXPECT_EQ(egress.dst(), "10.200.3.2:8080");
  EXPECT_EQ(egress.peer_namespace(), "infra");
  EXPECT_EQ(egress.peer_pod(), "cache");
  EXPECT_EQ(egress.policy(), kLockJobA);

  const events::Event& ingress = events[1];
  EXPECT_EQ(ingress.direction(), "ingress");
  EXPECT_EQ(ingress.pid(), 0u);
  EXPECT_THAT(ingress.src(), StartsWith("10.200.255.2:"));
  EXPECT_GT(PortOf(ingress.src()), 0) << ingress.src();  // the client's own port
  EXPECT_EQ(ingress.dst(), "10.200.1.2:8080");
  EXPECT_EQ(ingress.peer_namespace(), "world");
  EXPECT_EQ(ingress.peer_pod(), "");

  for (const events::Event& event : events) {
    const absl::Time time =
        absl::FromUnixSeconds(event.time().seconds()) + absl::Nanoseconds(event.time().nanos());
    EXPECT_GE(time, before) << Describe(event);
    EXPECT_LE(time, after) << Describe(event);
  }
}

}  // namespace
}  // namespace nsfence::e2e
