// cgroup_skb ingress decisions through BPF_PROG_TEST_RUN: a fixture table of
// packets, the pod they arrive at, and the expected verdict and report.
#include <bpf/bpf.h>

#include <optional>
#include <string>
#include <vector>

#include "bpf/kernel_fixture.h"
#include "bpf/packets.h"
#include "bpf/policy_builders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"

namespace nsfence::bpftest {
namespace {

using policy::Mode;
using policy::Policy;

// job-a: enforce; ingress from monitoring on 9090, from dns on UDP 5353,
// from 192.0.2.0/24 except 192.0.2.128/25 on 443, from anyone on 8000-8100.
// trial: audit; nothing allowed. open: not governed.
std::vector<Policy> Policies() {
  policy::NetworkSpec jobs;
  jobs.host_ingress = policy::HostIngress::kDeny;
  jobs.ingress = {
      {.peers = {ToNamespace("monitoring")}, .ports = {Tcp(9090)}},
      {.peers = {ToNamespace("dns")}, .ports = {Udp(5353)}},
      {.peers = {ToBlock("192.0.2.0/24", {"192.0.2.128/25"})}, .ports = {Tcp(443)}},
      {.peers = {}, .ports = {Tcp(8000, 8100)}},
  };
  policy::NetworkSpec trial;
  return {
      Policy{.name = "jobs", .namespace_selector = NamespaceNamed("job-a"), .network = jobs},
      Policy{.name = "trial", .namespace_selector = NamespaceNamed("trial"), .mode = Mode::kAudit,
             .network = trial},
  };
}

inventory::Inventory Inventory(const std::string& root) {
  inventory::Inventory inv;
  AddNamespaces(&inv, {"job-a", "monitoring", "dns", "other", "trial", "open"});
  AddPod(&inv, "job-a", "runner", {"10.0.0.2", "fd00::2"}, root);
  AddPod(&inv, "job-a", "sidecar", {"10.0.0.3"});
  AddPod(&inv, "monitoring", "prom", {"10.1.0.2", "fd00::1:2"});
  AddPod(&inv, "dns", "coredns", {"10.3.0.2"});
  AddPod(&inv, "other", "x", {"10.2.0.2", "fd00::2:2"});
  AddPod(&inv, "trial", "t", {"10.4.0.2"}, root);
  AddPod(&inv, "open", "o", {"10.5.0.2"}, root);
  return inv;
}

struct Case {
  const char* description;
  const char* pod;  // "ns/pod" the packet arrives at
  PacketSpec packet;
  bool pass;
  std::optional<uint8_t> reported_action;  // NSFENCE_ACTION_*
};

PacketSpec Syn(const char* src, const char* dst, uint16_t port) {
  return {.src = Ip(src), .dst = Ip(dst), .dst_port = port};
}

std::vector<Case> Cases() {
  PacketSpec ack = Syn("10.2.0.2", "10.0.0.2", 9090);
  ack.tcp_flags = kAck;
  PacketSpec syn_ack = Syn("10.2.0.2", "10.0.0.2", 40000);
  syn_ack.tcp_flags = kSyn | kAck;
  PacketSpec udp_dns = Syn("10.3.0.2", "10.0.0.2", 5353);
  udp_dns.protocol = kUdp;
  PacketSpec udp_other = Syn("10.2.0.2", "10.0.0.2", 5353);
  udp_other.protocol = kUdp;
  PacketSpec icmp = Syn("10.2.0.2", "10.0.0.2", 0);
  icmp.protocol = kIcmp;
  PacketSpec truncated = Syn("10.2.0.2", "10.0.0.2", 9090);
  truncated.transport_bytes = 2;
  PacketSpec v6_ext_allowed = Syn("fd00::1:2", "fd00::2", 9090);
  v6_ext_allowed.ipv6_extensions = {0, 60, 44};
  PacketSpec v6_ext_denied = Syn("fd00::2:2", "fd00::2", 9090);
  v6_ext_denied.ipv6_extensions = {0, 43, 60};

  return {
      {"allowed namespace and port", "job-a/runner", Syn("10.1.0.2", "10.0.0.2", 9090), true, {}},
      {"allowed namespace, other port", "job-a/runner", Syn("10.1.0.2", "10.0.0.2", 9091), false,
       NSFENCE_ACTION_BLOCKED},
      {"other namespace", "job-a/runner", Syn("10.2.0.2", "10.0.0.2", 9090), false, NSFENCE_ACTION_BLOCKED},
      {"same namespace", "job-a/runner", Syn("10.0.0.3", "10.0.0.2", 22), true, {}},
      {"established TCP is not judged per packet", "job-a/runner", ack, true, {}},
      {"SYN-ACK answers our own connect", "job-a/runner", syn_ack, true, {}},
      {"UDP from allowed namespace", "job-a/runner", udp_dns, true, {}},
      {"UDP from other namespace", "job-a/runner", udp_other, false, NSFENCE_ACTION_BLOCKED},
      {"ipBlock", "job-a/runner", Syn("192.0.2.5", "10.0.0.2", 443), true, {}},
      {"ipBlock except", "job-a/runner", Syn("192.0.2.200", "10.0.0.2", 443), false, NSFENCE_ACTION_BLOCKED},
      {"world", "job-a/runner", Syn("198.51.100.1", "10.0.0.2", 443), false, NSFENCE_ACTION_BLOCKED},
      {"port range, any peer", "job-a/runner", Syn("198.51.100.1", "10.0.0.2", 8050), true, {}},
      {"port range upper bound", "job-a/runner", Syn("198.51.100.1", "10.0.0.2", 8100), true, {}},
      {"past the port range", "job-a/runner", Syn("198.51.100.1", "10.0.0.2", 8101), false,
       NSFENCE_ACTION_BLOCKED},
      {"loopback", "job-a/runner", Syn("127.0.0.1", "127.0.0.1", 22), true, {}},
      {"ICMP is not judged", "job-a/runner", icmp, true, {}},
      {"unreadable TCP header in an enforced pod", "job-a/runner", truncated, false, {}},
      {"IPv6 allowed through extension headers", "job-a/runner", v6_ext_allowed, true, {}},
      {"IPv6 denied behind extension headers", "job-a/runner", v6_ext_denied, false, NSFENCE_ACTION_BLOCKED},
      {"audit mode passes and reports", "trial/t", Syn("10.2.0.2", "10.4.0.2", 80), true,
       NSFENCE_ACTION_AUDITED},
      {"ungoverned namespace", "open/o", Syn("10.2.0.2", "10.5.0.2", 80), true, {}},
  };
}

class IngressTest : public ::testing::Test {
 protected:
  void SetUp() override { Load(1 << 20); }

  void Load(uint32_t ringbuf_bytes) {
    NSFENCE_REQUIRE_KERNEL();
    auto f = KernelFixture::Create(ringbuf_bytes);
    ASSERT_TRUE(f.ok()) << f.status();
    fixture_ = std::move(*f);
    for (const char* pod : {"job-a/runner", "trial/t", "open/o"}) {
      const std::string p(pod);
      auto dir = fixture_->AddPodCgroup(p.substr(0, p.find('/')), p.substr(p.find('/') + 1));
      ASSERT_TRUE(dir.ok()) << dir.status();
    }
    ASSERT_TRUE(fixture_->Enforce(Policies(), Inventory(fixture_->cgroup_root())).ok());
  }

  // Runs the ingress program on a frame as a socket of `pod` would receive it.
  int Run(const char* pod, const std::vector<uint8_t>& frame) {
    ScopedCgroupJoin join(fixture_->cgroup_root() + "/" + pod);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = static_cast<__u32>(frame.size()),
                .repeat = 1);
    const int err = bpf_prog_test_run_opts(fixture_->datapath().program_fd("nsf_ingress"), &opts);
    EXPECT_EQ(err, 0) << "BPF_PROG_TEST_RUN: " << strerror(errno);
    return static_cast<int>(opts.retval);
  }

  std::unique_ptr<KernelFixture> fixture_;
};

TEST_F(IngressTest, FixtureTable) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(Run(c.pod, BuildFrame(c.packet)), c.pass ? 1 : 0);
    const std::vector<nsfence_network_event> events = fixture_->DrainEvents();
    if (!c.reported_action) {
      EXPECT_THAT(events, ::testing::IsEmpty());
      continue;
    }
    ASSERT_EQ(events.size(), 1u);
    const nsfence_network_event& e = events[0];
    EXPECT_EQ(e.action, *c.reported_action);
    EXPECT_EQ(e.direction, NSFENCE_DIR_INGRESS);
    EXPECT_EQ(e.protocol, c.packet.protocol);
    EXPECT_EQ(e.peer_port, c.packet.src_port);
    EXPECT_EQ(e.local_port, c.packet.dst_port);
    EXPECT_EQ(IpAddress(c.packet.src.family(), e.peer_addr), c.packet.src);
    EXPECT_EQ(IpAddress(c.packet.dst.family(), e.local_addr), c.packet.dst);
    EXPECT_EQ(e.pid, 0u) << "ingress has no sending task";
  }
}

TEST_F(IngressTest, RetransmittedSynIsReportedOnce) {
  const std::vector<uint8_t> syn = BuildFrame(Syn("10.2.0.2", "10.0.0.2", 9090));
  EXPECT_EQ(Run("job-a/runner", syn), 0);
  EXPECT_EQ(Run("job-a/runner", syn), 0);
  EXPECT_EQ(Run("job-a/runner", syn), 0);
  EXPECT_EQ(fixture_->DrainEvents().size(), 1u);
  auto counters = fixture_->datapath().ReadCounters();
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ((*counters)[NSFENCE_CNT_INGRESS_BLOCKED], 3u);
  EXPECT_EQ((*counters)[NSFENCE_CNT_REPEATS_FOLDED], 2u);
}

TEST_F(IngressTest, PolicyEditAppliesToTheNextPacket) {
  const std::vector<uint8_t> syn = BuildFrame(Syn("10.2.0.2", "10.0.0.2", 9090));
  ASSERT_EQ(Run("job-a/runner", syn), 0);
  std::vector<Policy> policies = Policies();
  policies[0].network->ingress.push_back({.peers = {ToNamespace("other")}, .ports = {Tcp(9090)}});
  ASSERT_TRUE(fixture_->Enforce(policies, Inventory(fixture_->cgroup_root())).ok());
  EXPECT_EQ(Run("job-a/runner", syn), 1);
}

// Nothing is lost silently: every violation is either in the ring buffer or
// counted as a failed reservation.
class SmallRingbufTest : public IngressTest {
 protected:
  void SetUp() override { Load(4096); }
};

TEST_F(SmallRingbufTest, RecordsThatDoNotFitAreCounted) {
  constexpr int kFlows = 100;
  for (int i = 0; i < kFlows; ++i) {
    PacketSpec syn = Syn("10.2.0.2", "10.0.0.2", 9090);
    syn.src_port = static_cast<uint16_t>(20000 + i);  // distinct flows: none fold
    ASSERT_EQ(Run("job-a/runner", BuildFrame(syn)), 0);
  }
  auto counters = fixture_->datapath().ReadCounters();
  ASSERT_TRUE(counters.ok());
  const uint64_t submitted = (*counters)[NSFENCE_CNT_EVENTS_SUBMITTED];
  const uint64_t lost = (*counters)[NSFENCE_CNT_RINGBUF_RESERVE_FAILED];
  EXPECT_GT(lost, 0u) << "a 4 KiB ring buffer cannot hold 100 records";
  EXPECT_EQ(submitted + lost, static_cast<uint64_t>(kFlows));
  EXPECT_EQ(fixture_->DrainEvents().size(), submitted);
}

}  // namespace
}  // namespace nsfence::bpftest
