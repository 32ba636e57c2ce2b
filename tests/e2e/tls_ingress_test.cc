// The TLS floor for a governed pod's servers: a client outside the governed
// namespace that gets (or would get) a TLS 1.0 handshake from a server in it
// is stopped, TLS 1.2 and 1.3 pass, and `direction` picks the roles the
// floor applies to.
#include <string>

#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TlsIngressTest : public TlsTest {
 protected:
  // The event of a TLS 1.0 handshake `client` began with the governed
  // `server`: the datapath may stop it at the ClientHello coming in or at the
  // ServerHello going out.
  auto OldHandshakeEvent(const Pod& server, const Peer& client, int port) {
    return AnyOf(TlsIngress("blocked", server, client, port, kTlsFloor, kClientOffersBelowFloor,
                            {.offered = "1.0", .sni = "tls.test"}),
                 TlsIngress("blocked", server, client, port, kTlsFloor, kServerSelectedBelowFloor,
                            {.offered = "1.0", .negotiated = "1.0", .sni = "tls.test"}));
  }
};

TEST_F(TlsIngressTest, OldClientFromTheWorldIsBlockedAtAGovernedServer) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*runner_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*internet_, TlsClient::kOpenssl, *runner_, port, {.only_version = "1.0"}),
                OldHandshakeEvent(*runner_, *internet_, port));
}

TEST_F(TlsIngressTest, OldClientFromAnUngovernedPodIsBlockedAtAGovernedServer) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*runner_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*cache_, TlsClient::kOpenssl, *runner_, port, {.only_version = "1.0"}),
                OldHandshakeEvent(*runner_, *cache_, port));
}

TEST_F(TlsIngressTest, OldPythonClientIsBlockedAtAGovernedPythonServer) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServePythonTls(*runner_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*internet_, TlsClient::kPython, *runner_, port, {.only_version = "1.0"}),
                OldHandshakeEvent(*runner_, *internet_, port));
}

TEST_F(TlsIngressTest, ModernClientsOfAGovernedServerPass) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*runner_);
  ASSERT_GT(port, 0);
  // s_server takes one connection after the other.
  EXPECT_THAT(Client(*internet_, TlsClient::kOpenssl, *runner_, port, {.only_version = "1.2"}),
              Succeeds("1.2"));
  EXPECT_THAT(Client(*internet_, TlsClient::kOpenssl, *runner_, port, {.only_version = "1.3"}),
              Succeeds("1.3"));
  EXPECT_THAT(Client(*cache_, TlsClient::kCurl, *runner_, port), Succeeds("1.3"));
  EXPECT_THAT(Client(*internet_, TlsClient::kOpenssl, *runner_, port, {.only_version = "1.3"},
                     Family::kV6),
              Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsIngressTest, EgressFloorLeavesTheServerRoleAlone) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA("egress"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int pod_server = ServeOpenssl(*runner_);
  const int world_server = ServeOpenssl(*internet_);
  ASSERT_GT(pod_server, 0);
  ASSERT_GT(world_server, 0);
  EXPECT_THAT(
      Client(*internet_, TlsClient::kOpenssl, *runner_, pod_server, {.only_version = "1.0"}),
      Succeeds("1.0"));
  // The floor is in force for the pod's own clients.
  ExpectBlocked(
      Client(*runner_, TlsClient::kOpenssl, *internet_, world_server, {.only_version = "1.0"}),
                TlsEgress("blocked", *runner_, *internet_, world_server, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.0", .sni = "tls.test"}));
}

TEST_F(TlsIngressTest, IngressFloorLeavesTheClientRoleAlone) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA("ingress"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int pod_server = ServeOpenssl(*runner_);
  const int world_server = ServeOpenssl(*internet_);
  ASSERT_GT(pod_server, 0);
  ASSERT_GT(world_server, 0);
  EXPECT_THAT(
      Client(*runner_, TlsClient::kOpenssl, *internet_, world_server, {.only_version = "1.0"}),
      Succeeds("1.0"));
  // The floor is in force for the pod's servers.
  ExpectBlocked(
      Client(*internet_, TlsClient::kOpenssl, *runner_, pod_server, {.only_version = "1.0"}),
                OldHandshakeEvent(*runner_, *internet_, pod_server));
}

}  // namespace
}  // namespace nsfence::e2e
