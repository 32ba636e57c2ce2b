// What policies allow and deny, end to end: the real agent enforcing on a
// testbed node, probes between pods and world hosts, and the events the
// agent prints for what it blocked or audited.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kIsolateJobs[] = "isolate-jobs";
constexpr Family kV4 = Family::kV4;
constexpr Family kV6 = Family::kV6;

class NetworkRulesTest : public NetworkTest {
 protected:
  // Job namespaces isolated from everything else, plus `rules` (block YAML
  // under spec.network, e.g. "egress: [...]").
  void IsolateJobs(const std::string& rules = "") {
    WritePolicy(kIsolateJobs,
                Policy(kIsolateJobs, kJobNamespaces, "crossNamespace: deny\n" + Dedent(rules)));
  }
};

TEST_F(NetworkRulesTest, SameNamespaceTrafficIsAllowedAndNotReported) {
  IsolateJobs();
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*helper_, {8080}));
  ASSERT_TRUE(ServeUdp(*helper_, {5353}));
  ExpectProbes({
      {*runner_, TcpConnect(*helper_, 8080), kOk},
      {*runner_, TcpConnect(*helper_, 8080, kV6), kOk},
      {*runner_, UdpRoundTrip(*helper_, 5353), kOk},
      {*runner_, UdpRoundTrip(*helper_, 5353, kV6), kOk},
      {*runner_, UdpRoundTrip(*helper_, 5353, kV4, /*connected=*/true), kOk},
      {*runner_, UdpRoundTrip(*helper_, 5353, kV6, /*connected=*/true), kOk},
      // The policy is in force: the same pod is held back from another namespace.
      {*runner_, TcpConnect(*worker_, 8080), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(),
              ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, CrossNamespaceIsDeniedByDefaultAndEachAttemptReported) {
  IsolateJobs();
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  // Refused at connect() and sendmsg(): no server is needed on the far side.
  ExpectProbes({
      {*runner_, TcpConnect(*worker_, 8080), kDenied},
      {*runner_, TcpConnect(*worker_, 8080, kV6), kDenied},
      {*runner_, UdpSend(*worker_, 5353), kDenied},
      {*runner_, UdpSend(*worker_, 5353, kV6), kDenied},
      {*runner_, UdpRoundTrip(*worker_, 5354, kV4, /*connected=*/true), kDenied},
      {*runner_, UdpRoundTrip(*worker_, 5354, kV6, /*connected=*/true), kDenied},
      // A governed pod is held back from ungoverned namespaces too.
      {*worker_, TcpConnect(*cache_, 8080), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolateJobs),
                            Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolateJobs, kV6),
                            Egress("blocked", "udp", *runner_, *worker_, 5353, kIsolateJobs),
                            Egress("blocked", "udp", *runner_, *worker_, 5353, kIsolateJobs, kV6),
                            Egress("blocked", "udp", *runner_, *worker_, 5354, kIsolateJobs),
                            Egress("blocked", "udp", *runner_, *worker_, 5354, kIsolateJobs, kV6),
                            Egress("blocked", "tcp", *worker_, *cache_, 8080, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, NamespaceSelectorAllowsOnlyItsPortsAndProtocol) {
  IsolateJobs(R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}, {protocol: UDP, port: 5353}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));
  ASSERT_TRUE(ServeUdp(*cache_, {5353}));
  ExpectProbes({
      {*runner_, TcpConnect(*cache_, 8080), kOk},
      {*worker_, TcpConnect(*cache_, 8080), kOk},
      {*runner_, UdpRoundTrip(*cache_, 5353), kOk},
      // Same peer, another port; same port, another protocol.
      {*runner_, TcpConnect(*cache_, 8081), kDenied},
      {*runner_, UdpSend(*cache_, 8080), kDenied},
      // The selector does not pick the other job namespace.
      {*runner_, TcpConnect(*worker_, 8080), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *cache_, 8081, kIsolateJobs),
                            Egress("blocked", "udp", *runner_, *cache_, 8080, kIsolateJobs),
                            Egress("blocked", "tcp", *runner_, *worker_, 8080, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, PortRangeIncludesBothEnds) {
  IsolateJobs(R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}}]
        ports: [{protocol: TCP, port: 8000, endPort: 8100}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {7999, 8000, 8042, 8100, 8101}));
  ExpectProbes({
      {*runner_, TcpConnect(*cache_, 7999), kDenied},
      {*runner_, TcpConnect(*cache_, 8000), kOk},
      {*runner_, TcpConnect(*cache_, 8042), kOk},
      {*runner_, TcpConnect(*cache_, 8100), kOk},
      {*runner_, TcpConnect(*cache_, 8101), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *cache_, 7999, kIsolateJobs),
                            Egress("blocked", "tcp", *runner_, *cache_, 8101, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, IpBlockAllowsWorldAddressesOutsideItsExcepts) {
  IsolateJobs(R"(
    egress:
      - to: [{ipBlock: {cidr: 10.200.0.0/16, except: [10.200.255.3/32]}}]
        ports: [{protocol: TCP, port: 8443}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  for (const Host* host : std::vector<const Host*>{internet_, intranet_, cache_}) {
    ASSERT_TRUE(ServeTcp(*host, {8443}));
  }
  ExpectProbes({
      {*runner_, TcpConnect(*internet_, 8443), kOk},
      {*runner_, TcpConnect(*internet_, 8444), kDenied},
      {*runner_, TcpConnect(*intranet_, 8443), kDenied},
      // Inside the block, but a pod's address: pods are peers by namespace only.
      {*runner_, TcpConnect(*cache_, 8443), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *internet_, 8444, kIsolateJobs),
                            Egress("blocked", "tcp", *runner_, *intranet_, 8443, kIsolateJobs),
                            Egress("blocked", "tcp", *runner_, *cache_, 8443, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, IngressRulesAdmitOnlyTheirPeersAndPorts) {
  IsolateJobs(R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: UDP, port: 5353}]
    ingress:
      - from: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}]
      - from: [{ipBlock: {cidr: 10.200.255.2/32}}]
        ports: [{protocol: TCP, port: 8080}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080, 8081}));
  ASSERT_TRUE(ServeUdp(*runner_, {5353}));
  ASSERT_TRUE(ServeUdp(*cache_, {5353}));
  ExpectProbes({
      {*cache_, TcpConnect(*runner_, 8080), kOk},
      {*internet_, TcpConnect(*runner_, 8080), kOk},
      // Dropped at the pod: the clients, not governed, wait in vain. Their SYN
      // retransmissions are the same flow, reported once.
      {*cache_, TcpConnect(*runner_, 8081), kTimedOut},
      {*intranet_, TcpConnect(*runner_, 8080), kTimedOut},
      {*cache_, UdpRoundTrip(*runner_, 5353), kTimedOut},
      // Replies to the pod's own allowed queries are let in.
      {*runner_, UdpRoundTrip(*cache_, 5353), kOk},
      {*runner_, UdpRoundTrip(*cache_, 5353, kV4, /*connected=*/true), kOk},
  });
  // The node itself (kubelet probes): hostIngress defaults to allow.
  EXPECT_EQ(ProbeFromNode(TcpConnect(*runner_, 8081)), kOk);
  EXPECT_GE(SynRetransmissions(*cache_), 1);
  EXPECT_GE(SynRetransmissions(*intranet_), 1);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Ingress("blocked", "tcp", *runner_, *cache_, 8081, kIsolateJobs),
                            Ingress("blocked", "tcp", *runner_, *intranet_, 8080, kIsolateJobs),
                            Ingress("blocked", "udp", *runner_, *cache_, 5353, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, HostIngressDenyShutsOutTheNode) {
  IsolateJobs("hostIngress: deny\n");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  EXPECT_EQ(ProbeFromNode(TcpConnect(*runner_, 8080)), kTimedOut);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), ElementsAre(Ingress("blocked", "tcp", *runner_, Peer::Node(*testbed_), 8080,
                                            kIsolateJobs)));
}

TEST_F(NetworkRulesTest, Ipv6IsEnforcedLikeIpv4) {
  IsolateJobs(R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}]
      - to: [{ipBlock: {cidr: "fd00:200::255:0/112", except: ["fd00:200::255:3/128"]}}]
    ingress:
      - from: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));
  ASSERT_TRUE(ServeTcp(*internet_, {8443}));
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeUdp(*runner_, {5353}));
  // An IPv4-mapped address on an IPv6 socket is judged, and reported, as IPv4.
  const std::string mapped = absl::StrCat("::ffff:", cache_->ipv4().ToString());
  ExpectProbes({
      {*runner_, TcpConnect(*cache_, 8080, kV6), kOk},
      {*runner_, TcpConnect(*cache_, 8081, kV6), kDenied},
      {*runner_, TcpConnect(*internet_, 8443, kV6), kOk},
      {*runner_, TcpConnect(*intranet_, 8443, kV6), kDenied},
      {*cache_, TcpConnect(*runner_, 8080, kV6), kOk},
      {*internet_, TcpConnect(*runner_, 8080, kV6), kTimedOut},
      {*cache_, UdpRoundTrip(*runner_, 5353, kV6), kTimedOut},
      {*runner_, {"tcp-connect", mapped, "8080"}, kOk},
      {*runner_, {"tcp-connect", mapped, "8081"}, kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(
      Events(),
      UnorderedElementsAre(
          Egress("blocked", "tcp", *runner_, *cache_, 8081, kIsolateJobs, kV6),
          Egress("blocked", "tcp", *runner_, *intranet_, 8443, kIsolateJobs, kV6),
          // Spelled out once: IPv6 addresses with a port are bracketed.
          "blocked ingress tcp job-a/runner fd00:200::255:2 -> [fd00:200::1:2]:8080 peer world "
          "policy isolate-jobs",
          Ingress("blocked", "udp", *runner_, *cache_, 5353, kIsolateJobs, kV6),
          Egress("blocked", "tcp", *runner_, *cache_, 8081, kIsolateJobs)));
}

TEST_F(NetworkRulesTest, AuditModeLetsEverythingPassAndReportsWhatItWouldBlock) {
  constexpr char kTrial[] = "trial";
  WritePolicy(kTrial, Policy(kTrial, kJobNamespaces, R"(
    crossNamespace: deny
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}]
  )",
                             "audit"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));
  ASSERT_TRUE(ServeUdp(*cache_, {5353}));
  ASSERT_TRUE(ServeTcp(*internet_, {8080}));
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  ExpectProbes({
      {*runner_, TcpConnect(*cache_, 8080), kOk},  // allowed: not reported
      {*runner_, TcpConnect(*cache_, 8081), kOk},
      {*runner_, UdpRoundTrip(*cache_, 5353), kOk},
      {*runner_, TcpConnect(*internet_, 8080, kV6), kOk},
      {*cache_, TcpConnect(*runner_, 8080), kOk},
      // Both ends are governed: the sender's egress and the receiver's ingress.
      {*runner_, TcpConnect(*worker_, 8080), kOk},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("audited", "tcp", *runner_, *cache_, 8081, kTrial),
                            Egress("audited", "udp", *runner_, *cache_, 5353, kTrial),
                            Egress("audited", "tcp", *runner_, *internet_, 8080, kTrial, kV6),
                            Ingress("audited", "tcp", *runner_, *cache_, 8080, kTrial),
                            Egress("audited", "tcp", *runner_, *worker_, 8080, kTrial),
                            Ingress("audited", "tcp", *worker_, *runner_, 8080, kTrial)));
}

TEST_F(NetworkRulesTest, PoliciesCombineAsAUnionAndAuditNeverWeakensEnforce) {
  WritePolicy("jobs", Policy("jobs", kJobNamespaces, R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8080}]
  )"));
  WritePolicy("job-a-extra",
              Policy("job-a-extra", "{matchLabels: {kubernetes.io/metadata.name: job-a}}", R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8081}]
  )"));
  // Would allow more, but only counts where no enforce policy governs.
  WritePolicy("jobs-trial", Policy("jobs-trial", kJobNamespaces, R"(
    egress:
      - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: TCP, port: 8082}]
      - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
  )",
                                   "audit"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081, 8082}));
  ASSERT_TRUE(ServeTcp(*internet_, {8080}));
  ExpectProbes({
      {*runner_, TcpConnect(*cache_, 8080), kOk},
      {*runner_, TcpConnect(*cache_, 8081), kOk},
      {*runner_, TcpConnect(*cache_, 8082), kDenied},
      {*runner_, TcpConnect(*internet_, 8080), kDenied},
      {*worker_, TcpConnect(*cache_, 8080), kOk},
      {*worker_, TcpConnect(*cache_, 8081), kDenied},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // Default denies name the first enforce policy, by name, of the namespace.
  EXPECT_THAT(Events(), UnorderedElementsAre(
                            Egress("blocked", "tcp", *runner_, *cache_, 8082, "job-a-extra"),
                            Egress("blocked", "tcp", *runner_, *internet_, 8080, "job-a-extra"),
                            Egress("blocked", "tcp", *worker_, *cache_, 8081, "jobs")));
}

// A UDP server's answer goes to the client's ephemeral port, which no egress
// rule names: it passes because ingress admitted the question.
TEST_F(NetworkRulesTest, GovernedUdpServerAnswersWhatItsIngressRulesAdmit) {
  IsolateJobs(R"(
    ingress:
      - from: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
        ports: [{protocol: UDP, port: 5353}]
  )");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeUdp(*runner_, {5353}));
  EXPECT_EQ(Probe(*cache_, UdpRoundTrip(*runner_, 5353)), kOk);
  EXPECT_EQ(Probe(*cache_, UdpRoundTrip(*runner_, 5353, Family::kV6)), kOk);
  EXPECT_EQ(Probe(*cache_, UdpRoundTrip(*runner_, 5353, Family::kV4, /*connected=*/true)), kOk);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), IsEmpty());
}

}  // namespace
}  // namespace nsfence::e2e
