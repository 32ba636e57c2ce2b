// What the rest of spec.tls does: requireTLS (plaintext to a named peer and
// port is blocked), audit mode (reported, not blocked), and connections that
// were open before the floor applied (judged at their hello all the same).
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using testbed::Tls10ClientHello;

constexpr char kHttpRequest[] = "GET / HTTP/1.0\r\nHost: cache\r\n\r\n";
constexpr int kRequireTlsPort = 8443;

class TlsRequireTlsTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    WriteTlsPolicy(kTlsFloor, TlsPolicy(kTlsFloor, kJobA, R"(
      minVersion: "1.2"
      direction: both
      requireTLS:
        - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}}]
          ports: [{protocol: TCP, port: 8443}]
    )"));
    ASSERT_NO_FATAL_FAILURE(StartAgent());
  }
};

TEST_F(TlsRequireTlsTest, PlaintextToTheRequiredPortIsBlocked) {
  ASSERT_GT(ServeRaw(*cache_, {}, kRequireTlsPort), 0);
  EXPECT_THAT(RawSend(*runner_, *cache_, kRequireTlsPort, kHttpRequest), PeerFailsPromptly());
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(kRequireTlsPort), Not(HasSubstr("received")));
  EXPECT_THAT(ReportedEvents(),
              ElementsAre(TlsEgress("blocked", *runner_, *cache_, kRequireTlsPort, kTlsFloor,
                                    kPlaintextOnRequireTls, {.min = ""})));  // no version crossed
}

TEST_F(TlsRequireTlsTest, TlsToTheRequiredPortPasses) {
  ASSERT_GT(ServeOpenssl(*cache_, {}, kRequireTlsPort), 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *cache_, kRequireTlsPort,
                     {.only_version = "1.3"}),
              Succeeds("1.3"));
  EXPECT_THAT(Client(*runner_, TlsClient::kCurl, *cache_, kRequireTlsPort), Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsRequireTlsTest, PlaintextElsewherePasses) {
  // Another port of the same peer, and the same port of another peer.
  const int other_port = ServeRaw(*cache_);
  ASSERT_GT(other_port, 0);
  ASSERT_GT(ServeRaw(*internet_, {}, kRequireTlsPort), 0);
  const std::string request = kHttpRequest;
  EXPECT_THAT(RawSend(*runner_, *cache_, other_port, request), PeerSucceeds());
  EXPECT_THAT(RawSend(*runner_, *internet_, kRequireTlsPort, request), PeerSucceeds());
  EXPECT_TRUE(WaitForServer(other_port, absl::StrCat("closed ", request.size())));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

class TlsAuditTest : public TlsTest {};

TEST_F(TlsAuditTest, OldHandshakeIsReportedAndLetThrough) {
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA("both", "audit"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, {.only_version = "1.0"}),
              Succeeds("1.0"));
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // Reported at the ClientHello, or once the ServerHello confirmed it.
  EXPECT_THAT(ReportedEvents(),
              ElementsAre(AnyOf(TlsEgress("audited", *runner_, *internet_, port, kTlsFloor,
                                          kClientOffersBelowFloor,
                                          {.offered = "1.0", .sni = "tls.test"}),
                                TlsEgress("audited", *runner_, *internet_, port, kTlsFloor,
                                          kClientOffersBelowFloor,
                                          {.offered = "1.0", .negotiated = "1.0",
                                           .sni = "tls.test"}))));
}

// A connection from runner to internet:`port` that is open, and sends a
// TLS 1.0 hello once told to.
class TlsOpenConnectionTest : public TlsTest {
 protected:
  void Open(int port) {
    go_file_ = absl::StrCat(work_dir(), "/go");
    absl::StatusOr<BackgroundProcess> started =
        BackgroundProcess::Start(testbed::PeerCommandLine(
            tls_tools(), *runner_,
            testbed::RawSendArgs(internet_->ipv4(), port, Tls10ClientHello(),
                                 {.wait_file = go_file_})));
    ASSERT_TRUE(started.ok()) << started.status();
    sender_.emplace(*std::move(started));
    ASSERT_TRUE(sender_->WaitForStdout("connected", kAgentReacts)) << sender_->StderrText();
  }

  // Sends the hello; its result line.
  std::string SendHello() {
    WriteFile(go_file_, "");
    const absl::Time sent = absl::Now();
    if (!sender_->Wait(kPromptly + absl::Seconds(10)).has_value()) sender_->Kill();
    sender_->WaitForOutputEnd(kAgentReacts);
    took_ = absl::Now() - sent;
    return std::string(absl::StripTrailingAsciiWhitespace(sender_->StdoutText()));
  }
  absl::Duration took() const { return took_; }

  void TearDown() override {
    sender_.reset();
    TlsTest::TearDown();
  }

 private:
  std::string go_file_;
  std::optional<BackgroundProcess> sender_;
  absl::Duration took_;
};

TEST_F(TlsOpenConnectionTest, ConnectionOpenedBeforeTheAgentStartedIsJudgedAtItsHello) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  ASSERT_NO_FATAL_FAILURE(Open(port));
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_THAT(SendHello(), StartsWith("connected\nerror "));
  EXPECT_LT(took(), kPromptly);
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr("received")));
  EXPECT_THAT(ReportedEvents(),
              ElementsAre(TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.0", .sni = "raw.test"})));
}

TEST_F(TlsOpenConnectionTest, ConnectionOpenedBeforeThePolicyAppliedIsJudgedAtItsHello) {
  // The agent runs with a floor for job-b only; job-a's comes while the
  // connection is open.
  WriteTlsPolicy("job-b-floor",
                 TlsPolicy("job-b-floor", "{matchLabels: {kubernetes.io/metadata.name: job-b}}",
                           "minVersion: \"1.2\"\ndirection: both\n"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  ASSERT_NO_FATAL_FAILURE(Open(port));
  WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(2));
  EXPECT_THAT(SendHello(), StartsWith("connected\nerror "));
  EXPECT_LT(took(), kPromptly);
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr("received")));
  EXPECT_THAT(ReportedEvents(),
              ElementsAre(TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor,
                                    kClientOffersBelowFloor,
                                    {.offered = "1.0", .sni = "raw.test"})));
}

}  // namespace
}  // namespace nsfence::e2e
