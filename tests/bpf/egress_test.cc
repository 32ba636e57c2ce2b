// Egress decisions of the sock_addr programs, attached to a test cgroup and
// exercised by real sockets: a child joins a pod cgroup and a fresh, empty
// network namespace (so nothing leaves this machine), then connects or sends.
// Blocked: EPERM from the kernel hook. Allowed: the hook passes and routing
// fails (ENETUNREACH), or the connection is refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "bpf/kernel_fixture.h"
#include "bpf/pod_child.h"
#include "bpf/policy_builders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"

namespace nsfence::bpftest {
namespace {

using policy::Mode;
using policy::Policy;

enum class Action { kTcpConnect, kUdpConnect, kUdpSendto, kUdpSendtoThrice, kTcpConnectDualStack };

struct Outcome {
  int err = 0;  // errno of the failing call, 0 when it succeeded
  pid_t pid = 0;
};

sockaddr_storage SocketAddress(const IpAddress& ip, uint16_t port, bool mapped, socklen_t* len) {
  sockaddr_storage ss{};
  if (ip.family() == IpFamily::kV4 && !mapped) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.bytes().data(), 4);
    *len = sizeof(*sin);
    return ss;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  if (mapped) {
    sin6->sin6_addr.s6_addr[10] = 0xff;
    sin6->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&sin6->sin6_addr.s6_addr[12], ip.bytes().data(), 4);
  } else {
    std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
  }
  *len = sizeof(*sin6);
  return ss;
}

// Runs in the child: returns the errno of the action (0 on success).
int Perform(Action action, const IpAddress& ip, uint16_t port) {
  const bool mapped = action == Action::kTcpConnectDualStack;
  socklen_t len = 0;
  const sockaddr_storage addr = SocketAddress(ip, port, mapped, &len);
  const int type = action == Action::kTcpConnect || mapped ? SOCK_STREAM : SOCK_DGRAM;
  const int fd = socket(addr.ss_family, type, 0);
  if (fd < 0) return errno;
  if (mapped) {
    const int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  int rc = 0;
  if (action == Action::kUdpSendto || action == Action::kUdpSendtoThrice) {
    const int times = action == Action::kUdpSendto ? 1 : 3;
    for (int i = 0; i < times; ++i) {
      rc = static_cast<int>(sendto(fd, "x", 1, 0, reinterpret_cast<const sockaddr*>(&addr), len));
    }
  } else {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
  }
  return rc < 0 ? errno : 0;
}

// Performs the action as the pod in `cgroup`.
Outcome RunInPod(const std::string& cgroup, Action action, const char* ip, uint16_t port) {
  Outcome out;
  out.err = RunInPodChild<int>(
      cgroup, [&] { return Perform(action, Ip(ip), port); }, -1, &out.pid);
  return out;
}

// job-a: enforce; egress to monitoring TCP 9090, dns UDP 53, and
// 203.0.113.0/24 TCP 443. trial: audit, nothing allowed. open: ungoverned.
std::vector<Policy> Policies() {
  policy::NetworkSpec jobs;
  jobs.egress = {
      {.peers = {ToNamespace("monitoring")}, .ports = {Tcp(9090)}},
      {.peers = {ToNamespace("dns")}, .ports = {Udp(53)}},
      {.peers = {ToBlock("203.0.113.0/24")}, .ports = {Tcp(443)}},
  };
  return {
      Policy{.name = "jobs", .namespace_selector = NamespaceNamed("job-a"), .network = jobs},
      Policy{.name = "trial", .namespace_selector = NamespaceNamed("trial"), .mode = Mode::kAudit,
             .network = policy::NetworkSpec{}},
  };
}

class EgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    auto f = KernelFixture::Create();
    ASSERT_TRUE(f.ok()) << f.status();
    fixture_ = std::move(*f);
    inventory::Inventory inv;
    AddNamespaces(&inv, {"job-a", "monitoring", "dns", "other", "trial", "open"});
    AddPod(&inv, "job-a", "runner", {"10.0.0.2", "fd00::2"}, fixture_->cgroup_root());
    AddPod(&inv, "monitoring", "prom", {"10.1.0.2"});
    AddPod(&inv, "dns", "coredns", {"10.3.0.2"});
    AddPod(&inv, "other", "x", {"10.2.0.2", "fd00::2:2"});
    AddPod(&inv, "trial", "t", {"10.4.0.2"}, fixture_->cgroup_root());
    AddPod(&inv, "open", "o", {"10.5.0.2"}, fixture_->cgroup_root());
    for (const auto& [ns, pod] : {std::pair{"job-a", "runner"}, {"trial", "t"}, {"open", "o"}}) {
      auto dir = fixture_->AddPodCgroup(ns, pod);
      ASSERT_TRUE(dir.ok()) << dir.status();
      // Processes run in a container cgroup below the pod cgroup, as under kubelet.
      ASSERT_TRUE(fixture_->AddPodCgroup(std::string(ns) + "/" + pod, "app").ok());
    }
    ASSERT_TRUE(fixture_->Enforce(Policies(), inv).ok());
    ASSERT_TRUE(fixture_->Attach().ok());
  }

  Outcome Run(const char* pod, Action action, const char* ip, uint16_t port) {
    return RunInPod(fixture_->cgroup_root() + "/" + pod + "/app", action, ip, port);
  }

  std::unique_ptr<KernelFixture> fixture_;
};

TEST_F(EgressTest, BlockedFlowsFailWithEpermAndAllowedOnesPass) {
  struct Case {
    const char* description;
    const char* pod;
    Action action;
    const char* ip;
    uint16_t port;
    bool blocked;
  };
  const Case cases[] = {
      {"TCP to an allowed namespace and port", "job-a/runner", Action::kTcpConnect, "10.1.0.2", 9090, false},
      {"TCP to an allowed namespace, other port", "job-a/runner", Action::kTcpConnect, "10.1.0.2", 80, true},
      {"TCP to another namespace", "job-a/runner", Action::kTcpConnect, "10.2.0.2", 80, true},
      {"UDP sendto an allowed peer", "job-a/runner", Action::kUdpSendto, "10.3.0.2", 53, false},
      {"UDP sendto another namespace", "job-a/runner", Action::kUdpSendto, "10.2.0.2", 53, true},
      {"connected UDP to another namespace", "job-a/runner", Action::kUdpConnect, "10.2.0.2", 53, true},
      {"TCP to an allowed ipBlock", "job-a/runner", Action::kTcpConnect, "203.0.113.9", 443, false},
      {"TCP to the world", "job-a/runner", Action::kTcpConnect, "198.51.100.1", 443, true},
      {"IPv6 to another namespace", "job-a/runner", Action::kTcpConnect, "fd00::2:2", 80, true},
      {"IPv4 through a dual-stack socket", "job-a/runner", Action::kTcpConnectDualStack, "10.2.0.2", 80, true},
      {"loopback", "job-a/runner", Action::kTcpConnect, "127.0.0.1", 80, false},
      {"audit mode", "trial/t", Action::kTcpConnect, "10.2.0.2", 80, false},
      {"ungoverned namespace", "open/o", Action::kTcpConnect, "10.2.0.2", 80, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.description);
    const Outcome out = Run(c.pod, c.action, c.ip, c.port);
    ASSERT_GE(out.err, 0) << "child could not join the pod";
    if (c.blocked) EXPECT_EQ(out.err, EPERM) << strerror(out.err);
    else EXPECT_NE(out.err, EPERM);
  }
}

TEST_F(EgressTest, ReportsNameTheProcessAndThePeer) {
  const Outcome out = Run("job-a/runner", Action::kTcpConnect, "10.2.0.2", 8080);
  ASSERT_EQ(out.err, EPERM);
  const std::vector<nsfence_network_event> events = fixture_->DrainEvents();
  ASSERT_EQ(events.size(), 1u);
  const nsfence_network_event& e = events[0];
  EXPECT_EQ(e.action, NSFENCE_ACTION_BLOCKED);
  EXPECT_EQ(e.direction, NSFENCE_DIR_EGRESS);
  EXPECT_EQ(e.protocol, IPPROTO_TCP);
  EXPECT_EQ(e.peer_port, 8080);
  EXPECT_EQ(IpAddress(IpFamily::kV4, e.peer_addr), Ip("10.2.0.2"));
  EXPECT_EQ(e.peer_kind, NSFENCE_PEER_POD);
  EXPECT_EQ(static_cast<pid_t>(e.pid), out.pid);
  EXPECT_THAT(std::string(e.comm), ::testing::StartsWith("bpf_tests"));
}

TEST_F(EgressTest, AuditModeReportsWithoutBlocking) {
  const Outcome out = Run("trial/t", Action::kTcpConnect, "10.2.0.2", 80);
  EXPECT_NE(out.err, EPERM);
  const std::vector<nsfence_network_event> events = fixture_->DrainEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, NSFENCE_ACTION_AUDITED);
}

TEST_F(EgressTest, RepeatedDatagramsOfOneSocketAreReportedOnce) {
  ASSERT_EQ(Run("job-a/runner", Action::kUdpSendtoThrice, "10.2.0.2", 53).err, EPERM);
  EXPECT_EQ(fixture_->DrainEvents().size(), 1u);
  auto counters = fixture_->datapath().ReadCounters();
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ((*counters)[NSFENCE_CNT_EGRESS_BLOCKED], 3u);
  EXPECT_EQ((*counters)[NSFENCE_CNT_REPEATS_FOLDED], 2u);

  // Another socket is another flow.
  ASSERT_EQ(Run("job-a/runner", Action::kUdpSendto, "10.2.0.2", 53).err, EPERM);
  EXPECT_EQ(fixture_->DrainEvents().size(), 1u);
}

}  // namespace
}  // namespace nsfence::bpftest
