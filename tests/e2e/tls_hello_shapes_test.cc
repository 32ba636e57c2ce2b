// Hellos that do not come as one small packet: larger than the MTU, spread
// over several TLS records, split over writes, in the SSL 2.0-compatible
// format, or after a plaintext STARTTLS exchange. The floor judges each the
// same as a plain one; plaintext on an ordinary port is left alone.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testbed::Sslv2CompatibleClientHello;
using testbed::Tls10ClientHello;
using testbed::Tls12ClientHello;

// openssl -alpn with 20 names of 200 bytes: a ClientHello of about 4.2 KB,
// three segments on the testbed's 1500-byte MTU; with `max_send_frag`, in
// records of at most that many bytes.
TlsClientOptions BigHelloAt(const std::string& version, int max_send_frag = 0) {
  return {.only_version = version,
          .alpn_count = 20,
          .alpn_length = 200,
          .max_send_frag = max_send_frag};
}

class TlsHelloShapesTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
    ASSERT_NO_FATAL_FAILURE(StartAgent());
  }

  // The event of a raw TLS 1.0 hello (SNI raw.test) from runner to
  // internet:`port`.
  std::string RawTls10Event(int port, const std::string& sni = "raw.test") {
    return TlsEgress("blocked", *runner_, *internet_, port, kTlsFloor, kClientOffersBelowFloor,
                     {.offered = "1.0", .sni = sni});
  }
};

TEST_F(TlsHelloShapesTest, HelloOverTheMtuAtTls10IsBlocked) {
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kOpenssl, *internet_, port, BigHelloAt("1.0")),
                TlsEgress("blocked", *runner_, *internet_, port,
                                                      kTlsFloor, kClientOffersBelowFloor,
                                                      {.offered = "1.0", .sni = "tls.test"}));
}

TEST_F(TlsHelloShapesTest, HelloOverTheMtuAtTls13Passes) {
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, BigHelloAt("1.3")),
              Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsHelloShapesTest, HelloOverSeveralRecordsAtTls10IsBlocked) {
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kOpenssl, *internet_, port, BigHelloAt("1.0", 512)),
                TlsEgress("blocked", *runner_, *internet_, port,
                                                      kTlsFloor, kClientOffersBelowFloor,
                                                      {.offered = "1.0", .sni = "tls.test"}));
}

TEST_F(TlsHelloShapesTest, HelloOverSeveralRecordsAtTls13Passes) {
  const int port = ServeOpenssl(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, BigHelloAt("1.3", 512)),
              Succeeds("1.3"));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsHelloShapesTest, TenKilobyteHelloAtTls10IsBlocked) {
  // Python with 40 ALPN names of 250 bytes: about 10 KB, seven segments.
  const int port = ServePythonTls(*internet_);
  ASSERT_GT(port, 0);
  ExpectBlocked(Client(*runner_, TlsClient::kPython, *internet_, port,
                     {.only_version = "1.0", .alpn_count = 40, .alpn_length = 250}),
                TlsEgress("blocked", *runner_, *internet_, port,
                                                      kTlsFloor, kClientOffersBelowFloor,
                                                      {.offered = "1.0", .sni = "tls.test"}));
}

TEST_F(TlsHelloShapesTest, Sslv2CompatibleHelloIsBlocked) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string hello = Sslv2CompatibleClientHello(testbed::kTls10);
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello), PeerFailsPromptly());
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr(absl::StrCat("received ", hello.size()))));
  // No extensions, so no server name.
  EXPECT_THAT(ReportedEvents(), ElementsAre(RawTls10Event(port, "")));
}

TEST_F(TlsHelloShapesTest, Tls10HelloInSplitWritesIsBlocked) {
  // The record header, then 50 bytes (up to the random), then the rest, each
  // its own segment.
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string hello = Tls10ClientHello();
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, {.split = {5, 50}}), PeerFailsPromptly());
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr(absl::StrCat("received ", hello.size()))));
  EXPECT_THAT(ReportedEvents(), ElementsAre(RawTls10Event(port)));
}

TEST_F(TlsHelloShapesTest, Tls10HelloInOneByteWritesIsBlocked) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string hello = Tls10ClientHello();
  // One byte a write for the first 60 (record and handshake headers, the
  // version, the random), then the rest.
  const RawSendOptions options{.split = std::vector<int>(60, 1), .pause = absl::Milliseconds(5)};
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, options), PeerFailsPromptly());
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr(absl::StrCat("received ", hello.size()))));
  EXPECT_THAT(ReportedEvents(), ElementsAre(RawTls10Event(port)));
}

TEST_F(TlsHelloShapesTest, Tls12HelloInSplitWritesPasses) {
  const int port = ServeRaw(*internet_);
  ASSERT_GT(port, 0);
  const std::string hello = Tls12ClientHello();
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, {.split = {5, 50}}), PeerSucceeds());
  EXPECT_TRUE(WaitForServer(port, absl::StrCat("closed ", hello.size()))) << ServerOutput(port);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsHelloShapesTest, Tls10HelloAfterStarttlsIsBlocked) {
  const int port = ServeRaw(*internet_, {.smtp = true});
  ASSERT_GT(port, 0);
  const std::string hello = Tls10ClientHello();
  EXPECT_THAT(RawSend(*runner_, *internet_, port, hello, {.smtp = true}), PeerFailsPromptly());
  ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // The plaintext went through; the hello did not.
  EXPECT_THAT(ServerOutput(port), HasSubstr("starttls\n"));
  EXPECT_THAT(ServerOutput(port), Not(HasSubstr(absl::StrCat("received ", hello.size()))));
  EXPECT_THAT(ReportedEvents(), ElementsAre(RawTls10Event(port)));
}

TEST_F(TlsHelloShapesTest, PlaintextOnAnOrdinaryPortPassesUntouched) {
  const int port = ServeRaw(*internet_, {.smtp = true});
  ASSERT_GT(port, 0);
  std::string mail;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&mail, "MAIL FROM:<job", i, "@tls.test>\r\n");
  EXPECT_THAT(RawSend(*runner_, *internet_, port, mail, {.split = {1, 5, 100}, .smtp = true}),
              PeerSucceeds());
  EXPECT_TRUE(WaitForServer(port, absl::StrCat("closed ", mail.size()))) << ServerOutput(port);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

}  // namespace
}  // namespace nsfence::e2e
