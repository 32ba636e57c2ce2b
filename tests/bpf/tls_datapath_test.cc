// The TLS programs against real TCP connections: a child joins a pod cgroup
// and a fresh network namespace (its loopback also carries 10.9.0.1, an
// address nsfence does not treat as loopback; no packet leaves the namespace), opens a connection to itself, and writes
// hand-built hellos. Both ends belong to the pod, so the client's hello is
// judged as it leaves and the server's as it answers. Blocked: the receiver
// never gets the whole hello, one TLS event names the reason, and the
// connection waits in nsf_tls_blocked for the agent to end it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "bpf/kernel_fixture.h"
#include "bpf/pod_child.h"
#include "bpf/policy_builders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "support/tls_hello_builder.h"

namespace nsfence::bpftest {
namespace {

using tls::testing::Bytes;
using tls::testing::ChangeCipherSpec;
using tls::testing::HelloBuilder;
using tls::testing::Sslv2ClientHello;

constexpr uint16_t kPort = 4433;

// What one side of the test connection does, given its socket.
using Script = std::function<void(int fd)>;

struct Exchange {
  bool ipv6 = false;
  // The client's first bytes go in the SYN (TCP Fast Open, no cookie needed).
  std::vector<uint8_t> fast_open_data;
  Script client = [](int) {};  // runs first
  Script server = [](int) {};  // then this, on the accepted socket
  Script client_after = [](int) {};  // then the client again
  // Runs in the child after connect() and before the scripts (e.g. a policy change).
  std::function<void()> after_connect = [] {};
};

struct Received {
  int client = -1;  // bytes the client read, -1 on setup failure
  int server = -1;
  int server_after = -1;  // bytes the server read after client_after
};

void SendPieces(int fd, const Bytes& data, std::vector<size_t> cuts) {
  size_t at = 0;
  cuts.push_back(data.size());
  for (size_t cut : cuts) {
    if (cut > at) (void)!send(fd, data.data() + at, cut - at, MSG_NOSIGNAL);
    at = cut;
    usleep(20'000);  // separate segments
  }
}

// Reads what arrives within 300 ms.
int Drain(int fd) {
  timeval tv{.tv_sec = 0, .tv_usec = 300'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int total = 0;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return total;
    total += static_cast<int>(n);
  }
}

Received Connect(const Exchange& x) {
  Received r;
  if (system("ip link set lo up && ip addr add 10.9.0.1/32 dev lo && "
             "ip addr add fd00::9/128 dev lo nodad && "
             "echo 519 > /proc/sys/net/ipv4/tcp_fastopen") != 0) {
    return r;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (x.ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(kPort);
    inet_pton(AF_INET6, "fd00::9", &a->sin6_addr);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(kPort);
    inet_pton(AF_INET, "10.9.0.1", &a->sin_addr);
    len = sizeof(*a);
  }
  auto* addr = reinterpret_cast<sockaddr*>(&ss);
  const int one = 1, qlen = 8;
  const int srv = socket(ss.ss_family, SOCK_STREAM, 0);
  setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(srv, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
  if (bind(srv, addr, len) != 0 || listen(srv, 4) != 0) {
    r.client = -errno;
    return r;
  }
  const int cli = socket(ss.ss_family, SOCK_STREAM, 0);
  setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!x.fast_open_data.empty()) {
    // Non-blocking: a blocked SYN would otherwise hold sendto() until the connect times out.
    if (sendto(cli, x.fast_open_data.data(), x.fast_open_data.size(), MSG_FASTOPEN | MSG_DONTWAIT,
               addr, len) < 0 &&
        errno != EINPROGRESS) {
      r.client = -1000 - errno;
      return r;
    }
  } else if (connect(cli, addr, len) != 0) {
    r.client = -1000 - errno;
    return r;
  }
  pollfd pending{.fd = srv, .events = POLLIN};
  if (poll(&pending, 1, 1000) != 1) {
    r.server = 0;  // no connection arrived: its SYN was dropped
    return r;
  }
  const int acc = accept(srv, nullptr, nullptr);
  setsockopt(acc, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  x.after_connect();
  x.client(cli);
  r.server = Drain(acc);
  x.server(acc);
  r.client = Drain(cli);
  x.client_after(cli);
  r.server_after = Drain(acc);
  return r;
}

// Runs the exchange as the pod in `cgroup`.
Received RunInPod(const std::string& cgroup, const Exchange& x) {
  return RunInPodChild<Received>(cgroup, [&] { return Connect(x); }, Received{});
}

Script Sends(Bytes data, std::vector<size_t> cuts = {}) {
  return [data = std::move(data), cuts = std::move(cuts)](int fd) { SendPieces(fd, data, cuts); };
}

Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

class TlsDatapathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    auto f = KernelFixture::Create();
    ASSERT_TRUE(f.ok()) << f.status();
    fixture_ = std::move(*f);
    inventory::Inventory inv;
    AddNamespaces(&inv, {"job-a"});
    AddPod(&inv, "job-a", "runner", {"10.9.0.1"}, fixture_->cgroup_root());
    auto pod = fixture_->AddPodCgroup("job-a", "runner");
    ASSERT_TRUE(pod.ok()) << pod.status();
    pod_ = *pod;
    policy::NetworkSpec open{.cross_namespace = policy::CrossNamespace::kAllow};
    ASSERT_TRUE(fixture_
                    ->Enforce({policy::Policy{.name = "jobs",
                                              .namespace_selector = NamespaceNamed("job-a"),
                                              .network = open}},
                              inv)
                    .ok());
    ASSERT_TRUE(fixture_->Attach().ok());
  }

  // Sets every governed identity's floors (the policy compiler's job in the agent).
  void SetFloors(nsfence_tls_floors floors) {
    loader::MapIo* ids = fixture_->datapath().maps().identities;
    std::vector<std::pair<uint32_t, nsfence_identity>> all;
    ASSERT_TRUE(ids->ForEach([&](const void* k, const void* v) {
                     uint32_t id;
                     nsfence_identity value;
                     std::memcpy(&id, k, sizeof(id));
                     std::memcpy(&value, v, sizeof(value));
                     all.emplace_back(id, value);
                   }).ok());
    ASSERT_FALSE(all.empty());
    for (auto& [id, value] : all) {
      value.tls = floors;
      value.tls_policy = 7;
      value.tls_audit_policy = 8;
      ASSERT_TRUE(ids->Update(&id, &value).ok());
    }
    ASSERT_TRUE(fixture_->datapath().PublishTlsPolicy(true).ok());
  }

  void EnforceFloor12() { SetFloors({.egress_enforce = 3, .ingress_enforce = 3}); }

  // The TLS programs attached while no namespace has a floor yet, for tests
  // whose child sets the floor itself (links it made would outlive it unseen).
  void AttachTlsProgramsFirst() { ASSERT_TRUE(fixture_->datapath().PublishTlsPolicy(true).ok()); }

  size_t BlockedConnections() {
    size_t n = 0;
    EXPECT_TRUE(fixture_->datapath().tls_blocked()->ForEach([&](const void*, const void*) { ++n; }).ok());
    return n;
  }

  std::unique_ptr<KernelFixture> fixture_;
  std::string pod_;
};

const Bytes kTls10Hello = HelloBuilder::Client().LegacyVersion(0x0301).Sni("old.example").Records();
const Bytes kTls13Hello =
    HelloBuilder::Client().Versions({0x0a0a, 0x0304, 0x0303}).Sni("new.example").Records();

TEST_F(TlsDatapathTest, ClientOfferingTls10IsBlockedWithOneEvent) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.client = Sends(kTls10Hello)});
  EXPECT_EQ(r.server, 0);
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR);
  EXPECT_EQ(events[0].offered_max_version, 0x0301);
  EXPECT_EQ(events[0].net.direction, NSFENCE_DIR_EGRESS);
  EXPECT_EQ(events[0].net.action, NSFENCE_ACTION_BLOCKED);
  EXPECT_EQ(events[0].net.policy, 7u);
  EXPECT_EQ(events[0].floor, NSFENCE_TLS_1_2);
  EXPECT_STREQ(events[0].sni, "old.example");
  EXPECT_EQ(BlockedConnections(), 1u);
}

TEST_F(TlsDatapathTest, Tls13HelloPassesWhole) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.client = Sends(kTls13Hello)});
  EXPECT_EQ(r.server, static_cast<int>(kTls13Hello.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
  EXPECT_EQ(BlockedConnections(), 0u);
}

TEST_F(TlsDatapathTest, NoFloorNoInspection) {
  const Received r = RunInPod(pod_, {.client = Sends(kTls10Hello)});
  EXPECT_EQ(r.server, static_cast<int>(kTls10Hello.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, HelloSplitOverWritesIsJudgedWhole) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.client = Sends(kTls10Hello, {3, 5, 20, 44})});
  // The pieces before the deciding one went out; the rest never did.
  EXPECT_LT(r.server, static_cast<int>(kTls10Hello.size()));
  ASSERT_EQ(fixture_->DrainTlsEvents().size(), 1u);
}

TEST_F(TlsDatapathTest, HelloOverSeveralRecordsAndSegments) {
  EnforceFloor12();
  const Bytes big = HelloBuilder::Client().Filler(5000).Versions({0x0302, 0x0301}).Records(512);
  const Received r = RunInPod(pod_, {.client = Sends(big, {700, 2900})});
  EXPECT_LT(r.server, static_cast<int>(big.size()));
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].offered_max_version, 0x0302);
}

TEST_F(TlsDatapathTest, LargeTls13HelloPasses) {
  EnforceFloor12();
  const Bytes big = HelloBuilder::Client().Filler(9000).Versions({0x0304}).Records();
  const Received r = RunInPod(pod_, {.client = Sends(big)});
  EXPECT_EQ(r.server, static_cast<int>(big.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, ServerSelectingTls10IsBlocked) {
  EnforceFloor12();
  const Bytes answer = HelloBuilder::Server().LegacyVersion(0x0301).Records();
  const Received r = RunInPod(pod_, {.client = Sends(kTls13Hello), .server = Sends(answer)});
  EXPECT_EQ(r.server, static_cast<int>(kTls13Hello.size()));
  EXPECT_EQ(r.client, 0);
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR);
  EXPECT_EQ(events[0].negotiated_version, 0x0301);
  EXPECT_EQ(events[0].offered_max_version, 0x0304);
}

TEST_F(TlsDatapathTest, RetryRequestThenTls13Passes) {
  EnforceFloor12();
  const Bytes hrr = HelloBuilder::RetryRequest().Records();
  const Bytes ccs = ChangeCipherSpec();
  const Bytes second = HelloBuilder::Server().Versions({0x0304}).Records();
  const Received r = RunInPod(pod_, {.client = [&](int fd) {
                                       SendPieces(fd, kTls13Hello, {});
                                     },
                                     .server = [&](int fd) {
                                       SendPieces(fd, tls::testing::Concat({hrr, ccs}), {});
                                       SendPieces(fd, second, {});
                                     }});
  EXPECT_EQ(r.client, static_cast<int>(hrr.size() + ccs.size() + second.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, Sslv2HelloIsJudgedOnItsVersion) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.client = Sends(Sslv2ClientHello(0x0301))});
  EXPECT_EQ(r.server, 0);
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].offered_max_version, 0x0301);
}

TEST_F(TlsDatapathTest, HelloAfterPlaintextIsJudged) {
  EnforceFloor12();
  const Bytes greeting = Text("EHLO x\r\nSTARTTLS\r\n");
  const Received r = RunInPod(pod_, {.client = [&](int fd) {
                                       SendPieces(fd, greeting, {});
                                       SendPieces(fd, kTls10Hello, {});
                                     }});
  EXPECT_EQ(r.server, static_cast<int>(greeting.size()));
  ASSERT_EQ(fixture_->DrainTlsEvents().size(), 1u);
}

TEST_F(TlsDatapathTest, PlaintextPasses) {
  EnforceFloor12();
  const Bytes text = Text(std::string(100000, 'x'));
  const Received r = RunInPod(pod_, {.client = Sends(text)});
  EXPECT_EQ(r.server, static_cast<int>(text.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, ConnectionOpenedBeforeTheFloorIsJudged) {
  AttachTlsProgramsFirst();
  const Received r = RunInPod(pod_, {.client = Sends(kTls10Hello), .after_connect = [this] {
                                       // The child shares the map fds: it changes policy itself.
                                       EnforceFloor12();
                                     }});
  EXPECT_EQ(r.server, 0);
  ASSERT_EQ(fixture_->DrainTlsEvents().size(), 1u);
}

TEST_F(TlsDatapathTest, HelloInTheSynOfTcpFastOpenIsJudged) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.fast_open_data = kTls10Hello});
  EXPECT_EQ(r.server, 0);
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR);
}

TEST_F(TlsDatapathTest, Tls13InTheSynOfTcpFastOpenPasses) {
  EnforceFloor12();
  const Received r = RunInPod(pod_, {.fast_open_data = kTls13Hello});
  EXPECT_EQ(r.server, static_cast<int>(kTls13Hello.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, Ipv6HelloIsJudged) {
  EnforceFloor12();
  const Received blocked = RunInPod(pod_, {.ipv6 = true, .client = Sends(kTls10Hello)});
  EXPECT_EQ(blocked.server, 0) << blocked.client;
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].net.family, NSFENCE_FAMILY_V6);
  const Received passed = RunInPod(pod_, {.ipv6 = true, .client = Sends(kTls13Hello)});
  EXPECT_EQ(passed.server, static_cast<int>(kTls13Hello.size())) << passed.client;
}

TEST_F(TlsDatapathTest, SessionBelowTheFloorFromBeforeThePolicyIsBlocked) {
  AttachTlsProgramsFirst();
  // A TLS 1.0 session set up while no floor applied; its next record, after
  // the policy arrives, carries version 1.0 in its header.
  const Bytes data = tls::testing::Records(Bytes(40, 0xab), 0x17, 16384, 0x0301);
  const Received r = RunInPod(pod_, {.client = [&](int fd) {
                                       SendPieces(fd, kTls10Hello, {});
                                       EnforceFloor12();
                                       SendPieces(fd, data, {});
                                     }});
  EXPECT_EQ(r.server, static_cast<int>(kTls10Hello.size()));
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, NSFENCE_TLS_SESSION_BELOW_FLOOR);
  EXPECT_EQ(events[0].negotiated_version, 0x0301);
}

TEST_F(TlsDatapathTest, SessionAtTls12FromBeforeThePolicyPasses) {
  AttachTlsProgramsFirst();
  const Bytes data = tls::testing::Records(Bytes(40, 0xab), 0x17, 16384, 0x0303);
  const Received r = RunInPod(pod_, {.client = [&](int fd) {
                                       SendPieces(fd, kTls13Hello, {});
                                       EnforceFloor12();
                                       SendPieces(fd, data, {});
                                     }});
  EXPECT_EQ(r.server, static_cast<int>(kTls13Hello.size() + data.size()));
  EXPECT_THAT(fixture_->DrainTlsEvents(), ::testing::IsEmpty());
}

TEST_F(TlsDatapathTest, UnseenAnswerFallsBackToTheSessionsRecordVersion) {
  EnforceFloor12();
  // The server's TLS 1.0 ServerHello hides behind two bytes of its segment,
  // so it goes by unparsed; the client's next record still names TLS 1.0.
  const Bytes answer =
      tls::testing::Concat({Text("xx"), HelloBuilder::Server().LegacyVersion(0x0301).Records()});
  const Bytes data = tls::testing::Records(Bytes(40, 0xab), 0x17, 16384, 0x0301);
  const Received r = RunInPod(
      pod_, {.client = Sends(kTls13Hello), .server = Sends(answer), .client_after = Sends(data)});
  EXPECT_EQ(r.client, static_cast<int>(answer.size()));
  EXPECT_EQ(r.server_after, 0);
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, NSFENCE_TLS_SESSION_BELOW_FLOOR);
}

TEST_F(TlsDatapathTest, AuditFloorReportsAndPasses) {
  SetFloors({.egress_audit = 3, .ingress_audit = 3});
  const Received r = RunInPod(pod_, {.client = Sends(kTls10Hello)});
  EXPECT_EQ(r.server, static_cast<int>(kTls10Hello.size()));
  // Both ends are in the pod: its client socket and its server socket report once each.
  const auto events = fixture_->DrainTlsEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].net.direction, NSFENCE_DIR_EGRESS);
  EXPECT_EQ(events[1].net.direction, NSFENCE_DIR_INGRESS);
  for (const auto& e : events) {
    EXPECT_EQ(e.net.action, NSFENCE_ACTION_AUDITED);
    EXPECT_EQ(e.net.policy, 8u);
  }
  EXPECT_EQ(BlockedConnections(), 0u);
}

TEST_F(TlsDatapathTest, Tls13FloorBlocksTls12) {
  SetFloors({.egress_enforce = 4, .ingress_enforce = 4});
  const Received r = RunInPod(pod_, {.client = Sends(HelloBuilder::Client().Versions({0x0303}).Records())});
  EXPECT_EQ(r.server, 0);
  ASSERT_EQ(fixture_->DrainTlsEvents().size(), 1u);
}

}  // namespace
}  // namespace nsfence::bpftest
