// The TLS test harness on its own, without the agent: every client and
// server the TLS floor tests use really speaks the version they rely on, the
// hellos they build are ones OpenSSL answers, and the raw peers do what the
// tests say. A TLS test that sees a handshake fail can then blame only the
// agent.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testbed::Sslv2CompatibleClientHello;
using testbed::Tls10ClientHello;
using testbed::Tls12ClientHello;

constexpr Family kV6 = Family::kV6;

class TlsHarnessTest : public TlsTest {};

struct VersionCase {
  TlsClient client;
  std::string only_version;  // empty: the client's defaults
  std::string negotiated;
};

TEST_F(TlsHarnessTest, EveryClientCompletesTheVersionItIsToldToUse) {
  const std::vector<VersionCase> cases = {
      {TlsClient::kOpenssl, "1.0", "1.0"}, {TlsClient::kOpenssl, "1.1", "1.1"},
      {TlsClient::kOpenssl, "1.2", "1.2"}, {TlsClient::kOpenssl, "1.3", "1.3"},
      {TlsClient::kOpenssl, "", "1.3"},    {TlsClient::kCurl, "1.0", "1.0"},
      {TlsClient::kCurl, "", "1.3"},       {TlsClient::kGnutls, "1.0", "1.0"},
      {TlsClient::kGnutls, "1.1", "1.1"},  {TlsClient::kGnutls, "", "1.3"},
      {TlsClient::kPython, "1.0", "1.0"},  {TlsClient::kPython, "1.2", "1.2"},
      {TlsClient::kPython, "", "1.3"},
  };
  for (const VersionCase& c : cases) {
    SCOPED_TRACE(absl::StrCat(TlsClientName(c.client), " ", c.only_version));
    const int port = ServeOpenssl(*internet_);
    ASSERT_GT(port, 0);
    EXPECT_THAT(Client(*runner_, c.client, *internet_, port, {.only_version = c.only_version}),
                Succeeds(c.negotiated));
  }
}

TEST_F(TlsHarnessTest, PythonServerServesEveryVersion) {
  const int port = ServePythonTls(*runner_);
  ASSERT_GT(port, 0);
  for (const char* version : {"1.0", "1.1", "1.2", "1.3"}) {
    EXPECT_THAT(Client(*internet_, TlsClient::kOpenssl, *runner_, port, {.only_version = version}),
                Succeeds(version));
  }
  EXPECT_THAT(Client(*internet_, TlsClient::kPython, *runner_, port, {}, kV6), Succeeds("1.3"));
}

TEST_F(TlsHarnessTest, ClientsReachServersOverIpv6) {
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  for (TlsClient client :
       {TlsClient::kOpenssl, TlsClient::kCurl, TlsClient::kGnutls, TlsClient::kPython}) {
    EXPECT_THAT(Client(*runner_, client, *internet_, port, {.only_version = "1.0"}, kV6),
                Succeeds("1.0"))
        << TlsClientName(client);
    EXPECT_THAT(Client(*runner_, client, *internet_, port, {}, kV6), Succeeds("1.3"))
        << TlsClientName(client);
  }
}

TEST_F(TlsHarnessTest, DefaultClientsFallBackToTls10AgainstATls10OnlyServer) {
  // What the downgrade tests rely on: nothing on the client side refuses it.
  for (TlsClient client : {TlsClient::kOpenssl, TlsClient::kCurl, TlsClient::kGnutls}) {
    const int port = ServeOpenssl(
        *internet_, {.min_version = "1.0", .max_version = "1.0", .cipher = "AES128-SHA:@SECLEVEL=0"});
    ASSERT_GT(port, 0);
    EXPECT_THAT(Client(*runner_, client, *internet_, port), Succeeds("1.0"))
        << TlsClientName(client);
  }
}

TEST_F(TlsHarnessTest, MismatchedGroupsMakeAHelloRetryRequest) {
  const int port = ServeOpenssl(*internet_, {.groups = "P-256"});
  ASSERT_GT(port, 0);
  const TlsOutcome outcome = Client(*runner_, TlsClient::kOpenssl, *internet_, port,
                                    {.groups = "X25519:P-256", .trace_messages = true});
  EXPECT_THAT(outcome, Succeeds("1.3"));
  // The second ClientHello answers the HelloRetryRequest.
  std::vector<std::string> hellos;
  for (absl::string_view line : absl::StrSplit(outcome.output, '\n')) {
    if (absl::StartsWith(line, ">>> ") && absl::EndsWith(line, "ClientHello")) {
      hellos.emplace_back(line);
    }
  }
  EXPECT_EQ(hellos.size(), 2u) << outcome.output;
}

TEST_F(TlsHarnessTest, BigAlpnHelloIsOverTheMtuAndSpreadsOverRecords) {
  // A listener that never answers: the hello is all it gets.
  const int port = ServeRaw(*internet_, {.records = true, .idle = absl::Milliseconds(500)});
  ASSERT_GT(port, 0);
  const TlsOutcome outcome =
      Client(*runner_, TlsClient::kOpenssl, *internet_, port,
             {.only_version = "1.0", .alpn_count = 20, .max_send_frag = 512});
  EXPECT_FALSE(outcome.ok);
  ASSERT_TRUE(WaitForServer(port, "idle ")) << ServerOutput(port);
  int received = 0;
  int records = 0;
  for (absl::string_view line : absl::StrSplit(ServerOutput(port), '\n')) {
    if (absl::ConsumePrefix(&line, "idle ")) {
      ASSERT_TRUE(absl::SimpleAtoi(line, &received)) << line;
    } else if (absl::ConsumePrefix(&line, "records ")) {
      ASSERT_TRUE(absl::SimpleAtoi(line, &records)) << line;
    }
  }
  EXPECT_GT(received, 4000);  // over a 1500-byte MTU
  EXPECT_GE(records, 8);      // 512-byte records
}

TEST_F(TlsHarnessTest, BuiltHellosAreAnsweredWithAServerHello) {
  // s_server replies to each with a handshake record whose first message is
  // a ServerHello (type 2) of the hello's version.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Tls10ClientHello(), "160301"},
      {Tls12ClientHello(), "160303"},
      {Sslv2CompatibleClientHello(), "160301"},
  };
  for (const auto& [hello, record] : cases) {
    const int port = ServeOpenssl(*internet_);
    ASSERT_GT(port, 0);
    const PeerOutcome sent = RawSend(*runner_, *internet_, port, hello, {.print_reply = true});
    EXPECT_THAT(sent, PeerSucceeds());
    EXPECT_THAT(sent.output, HasSubstr(absl::StrCat("reply ", record))) << testbed::ToHex(hello);
    const size_t at = sent.output.find("reply ");
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(sent.output.substr(at + 6 + 10, 2), "02") << sent.output;
  }
}

TEST_F(TlsHarnessTest, RawSenderWritesEachPieceSeparately) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string hello = Tls10ClientHello();
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, {.split = {5, 50}}), PeerSucceeds());
  ASSERT_TRUE(WaitForServer(port, absl::StrCat("closed ", hello.size())));
  // Each write its own read (50 ms apart), unless the machine is very slow.
  EXPECT_THAT(ServerOutput(port), StartsWith("listening\nreceived 5\n"));
}

TEST_F(TlsHarnessTest, RawSenderPlaysSmtpUpToStarttls) {
  const int port = ServeRaw(*internet_, {.smtp = true});
  ASSERT_GT(port, 0);
  const std::string hello = Tls10ClientHello();
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, {.smtp = true}), PeerSucceeds());
  ASSERT_TRUE(WaitForServer(port, absl::StrCat("closed ", hello.size())));
  EXPECT_THAT(ServerOutput(port), HasSubstr("starttls\n"));
}

TEST_F(TlsHarnessTest, RawSenderHoldsItsConnectionUntilTold) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string go = absl::StrCat(work_dir(), "/go");
  absl::StatusOr<BackgroundProcess> sender = BackgroundProcess::Start(testbed::PeerCommandLine(
      tls_tools(), *runner_,
      testbed::RawSendArgs(internet_->ipv4(), port, Tls10ClientHello(), {.wait_file = go})));
  ASSERT_TRUE(sender.ok()) << sender.status();
  ASSERT_TRUE(sender->WaitForStdout("connected", kAgentReacts)) << sender->StderrText();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr("received")));
  WriteFile(go, "");
  EXPECT_TRUE(sender->WaitForStdout("ok", kAgentReacts)) << sender->StdoutText();
  EXPECT_TRUE(WaitForServer(port, absl::StrCat("closed ", Tls10ClientHello().size())));
}

TEST_F(TlsHarnessTest, TransfersCheckQueueAndWakeups) {
  const int plain = ServePlain(*internet_);
  const int tls = ServePythonTls(*internet_);
  ASSERT_GT(plain, 0);
  ASSERT_GT(tls, 0);
  EXPECT_THAT(RunPeer(*runner_, {"plain-connect", internet_->ipv4().ToString(),
                                 absl::StrCat(plain), "--upload", "8000000", "--fetch", "8000000",
                                 "--check-queue"}),
              PeerSucceeds());
  EXPECT_THAT(RunPeer(*runner_, {"tls-connect", internet_->ipv4().ToString(), absl::StrCat(tls),
                                 "--fetch", "1000000", "--check-queue"}),
              PeerSucceeds());
}

TEST_F(TlsHarnessTest, UdpEchoClientGetsItsDatagramsBack) {
  ASSERT_TRUE(ServeUdp(*internet_, {4443}));
  EXPECT_THAT(RunPeer(*runner_, {"udp-echo-client", internet_->ipv4().ToString(), "4443",
                                 testbed::ToHex(std::string(1200, 'q'))}),
              PeerSucceeds());
}

}  // namespace
}  // namespace nsfence::e2e
