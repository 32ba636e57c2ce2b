// The TLS floor for a governed pod's clients (spec.tls, minVersion 1.2): a
// client that offers at most TLS 1.0 or 1.1, or a server that picks one, is
// stopped in the kernel, the client fails at once and the agent prints one
// event; TLS 1.2 and 1.3 pass untouched, and a tls-only policy leaves the
// network alone.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::ValuesIn;

constexpr Family kV6 = Family::kV6;

class TlsEgressTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  }
};

// A client configured to offer only an old version.
struct OldClient {
  TlsClient client;
  std::string version;
};

void PrintTo(const OldClient& c, std::ostream* out) {
  *out << TlsClientName(c.client) << " TLS " << c.version;
}

std::string OldClientName(const ::testing::TestParamInfo<OldClient>& info) {
  std::string name = absl::StrCat(TlsClientName(info.param.client), "Tls", info.param.version);
  name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
  return name;
}

const OldClient kOldClients[] = {
    {TlsClient::kOpenssl, "1.0"}, {TlsClient::kOpenssl, "1.1"}, {TlsClient::kCurl, "1.0"},
    {TlsClient::kCurl, "1.1"},    {TlsClient::kGnutls, "1.0"},  {TlsClient::kGnutls, "1.1"},
    {TlsClient::kPython, "1.0"},  {TlsClient::kPython, "1.1"},
};

class TlsOldClientTest : public TlsEgressTest, public ::testing::WithParamInterface<OldClient> {};

TEST_P(TlsOldClientTest, IsBlockedTowardsTheWorld) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, GetParam().client, *internet_, port,
                     {.only_version = GetParam().version}),
                TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = GetParam().version, .sni = "tls.test"}));
}

INSTANTIATE_TEST_SUITE_P(Clients, TlsOldClientTest, ValuesIn(kOldClients), OldClientName);

TEST_F(TlsEgressTest, OldClientIsBlockedTowardsAnUngovernedPod) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*cache_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kOpenssl, *cache_, port, {.only_version = "1.0"}),
                TlsEgress("blocked", *runner_, *cache_, port, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.0", .sni = "tls.test"}));
}

TEST_F(TlsEgressTest, OldPythonClientIsBlockedTowardsAnUngovernedPythonServer) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServePythonTls(*cache_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kPython, *cache_, port, {.only_version = "1.1"}),
                TlsEgress("blocked", *runner_, *cache_, port, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.1", .sni = "tls.test"}));
}

// A client at TLS 1.2 or 1.3, or with its defaults.
struct ModernClient {
  TlsClient client;
  std::string version;  // empty: the client's defaults
  std::string negotiated;
};

void PrintTo(const ModernClient& c, std::ostream* out) {
  *out << TlsClientName(c.client) << " TLS " << (c.version.empty() ? "defaults" : c.version);
}

std::string ModernClientName(const ::testing::TestParamInfo<ModernClient>& info) {
  std::string name = absl::StrCat(
      TlsClientName(info.param.client),
      info.param.version.empty() ? "Defaults" : absl::StrCat("Tls", info.param.version));
  name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
  return name;
}

const ModernClient kModernClients[] = {
    {TlsClient::kOpenssl, "1.2", "1.2"}, {TlsClient::kOpenssl, "1.3", "1.3"},
    {TlsClient::kOpenssl, "", "1.3"},    {TlsClient::kCurl, "", "1.3"},
    {TlsClient::kCurl, "1.2", "1.2"},    {TlsClient::kGnutls, "", "1.3"},
    {TlsClient::kPython, "", "1.3"},     {TlsClient::kPython, "1.2", "1.2"},
};

class TlsModernClientTest : public TlsEgressTest,
                            public ::testing::WithParamInterface<ModernClient> {};

TEST_P(TlsModernClientTest, PassesAndIsNotReported) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, GetParam().client, *internet_, port,
                     {.only_version = GetParam().version}),
              Succeeds(GetParam().negotiated));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Clients, TlsModernClientTest, ValuesIn(kModernClients),
                         ModernClientName);

TEST_F(TlsEgressTest, HelloRetryRequestHandshakePasses) {
  // The client's first key share (X25519) is not one the server takes: it
  // answers with a HelloRetryRequest and a second ClientHello follows.
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_, {.groups = "P-256"});
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, {.groups = "X25519:P-256"}),
              Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

// A default client (offering up to TLS 1.3) and a server that only speaks
// TLS 1.0: only the ServerHello shows the handshake is below the floor.
class TlsDowngradeTest : public TlsEgressTest, public ::testing::WithParamInterface<TlsClient> {};

TEST_P(TlsDowngradeTest, ServerPickingTls10IsBlocked) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(
      *internet_, {.min_version = "1.0", .max_version = "1.0", .cipher = "AES128-SHA:@SECLEVEL=0"});
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, GetParam(), *internet_, port),
                TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor,
                                    kServerSelectedBelowFloor,
                                    {.offered = "1.3", .negotiated = "1.0", .sni = "tls.test"}));
}

INSTANTIATE_TEST_SUITE_P(Clients, TlsDowngradeTest,
                         ValuesIn({TlsClient::kOpenssl, TlsClient::kCurl, TlsClient::kGnutls}),
                         [](const ::testing::TestParamInfo<TlsClient>& info) {
                           return TlsClientName(info.param);
                         });

TEST_F(TlsEgressTest, OldClientIsBlockedOverIpv6) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kOpenssl, *internet_, port, {.only_version = "1.0"}, kV6),
                TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor,
                                    kClientOffersBelowFloor, {.offered = "1.0", .sni = "tls.test"},
                                    kV6));
}

TEST_F(TlsEgressTest, ModernClientPassesOverIpv6) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, {.only_version = "1.3"}, kV6),
              Succeeds("1.3"));
  EXPECT_THAT(Client(*runner_, TlsClient::kCurl, *internet_, port, {}, kV6), Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsEgressTest, TlsOnlyPolicyLeavesTheNetworkUnrestricted) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  ASSERT_TRUE(ServeUdp(*cache_, {5353}));
  ExpectProbes({
      {*runner_, TcpConnect(*worker_, 8080), kOk},
      {*runner_, TcpConnect(*worker_, 8080, kV6), kOk},
      {*runner_, UdpRoundTrip(*cache_, 5353), kOk},
      {*internet_, TcpConnect(*runner_, 8080), kOk},
      {*worker_, TcpConnect(*runner_, 8080), kOk},
  });
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsEgressTest, FloorAppliesAlongsideNetworkRules) {
  constexpr char kJobAPolicy[] = "job-a-rules";
  // In place of the fixture's floor: job-a may reach only the world, on any port.
  WriteTlsPolicy(kTlsFloor, TlsPolicy(kJobAPolicy, kJobA, R"(
                   minVersion: "1.2"
                   direction: both
                 )",
                                      "enforce", R"(
                   crossNamespace: deny
                   egress:
                     - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
                 )"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int old_port = ServeOpenssl(*internet_);
  const int new_port = ServeOpenssl(*internet_);
  ASSERT_GT(old_port, 0);
  ASSERT_GT(new_port, 0);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, old_port, {.only_version = "1.0"}),
              FailsPromptly());
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, new_port, {.only_version = "1.3"}),
              Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(),
              ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kJobAPolicy),
                          TlsEgress("blocked", *runner_, *internet_, old_port, kJobAPolicy,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.0", .sni = "tls.test"})));
}

}  // namespace
}  // namespace nsfence::e2e
