// What the TLS floor must not break in a governed pod: long plaintext
// transfers, TLS 1.3 transfers whose data the kernel announces on time
// (epoll) and counts (FIONREAD) before it is read, and UDP, QUIC included.
#include <string>

#include "absl/strings/str_cat.h"
#include "e2e/tls_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::IsEmpty;

constexpr Family kV6 = Family::kV6;
// Enough to take many round trips and fill socket buffers.
constexpr char kLongTransfer[] = "33554432";  // 32 MiB each way
constexpr char kTlsTransfer[] = "4194304";    // 4 MiB

// A QUIC v1 Initial in shape (RFC 9000 17.2.2): long header, version 1,
// 8-byte connection ids, padded to 1200 bytes. The payload is not really
// encrypted: nothing on the path can read it anyway.
std::string QuicInitial() {
  std::string packet("\xc3\x00\x00\x00\x01\x08", 6);
  packet += std::string("\x11\x22\x33\x44\x55\x66\x77\x88", 8);
  packet += std::string("\x08\x01\x02\x03\x04\x05\x06\x07\x08", 9);
  packet += std::string("\x00\x44\x9e", 3);  // no token; length 1182
  packet.resize(1200, '\x5a');
  return packet;
}

class TlsCompatTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
    ASSERT_NO_FATAL_FAILURE(StartAgent());
  }
};

TEST_F(TlsCompatTest, LongPlaintextTransferFromAGovernedClientPasses) {
  const int port = ServePlain(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(RunPeer(*runner_, {"plain-connect", internet_->ipv4().ToString(), absl::StrCat(port),
                                 "--upload", kLongTransfer, "--fetch", kLongTransfer,
                                 "--check-queue"}),
              PeerSucceeds());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsCompatTest, LongPlaintextTransferWithAGovernedServerPasses) {
  const int port = ServePlain(*runner_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(RunPeer(*internet_, {"plain-connect", runner_->ipv4().ToString(), absl::StrCat(port),
                                   "--upload", kLongTransfer, "--fetch", kLongTransfer,
                                   "--check-queue"}),
              PeerSucceeds());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsCompatTest, Tls13TransferToAGovernedClientIsAnnouncedAndCounted) {
  const int port = ServePythonTls(*internet_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(RunPeer(*runner_, {"tls-connect", internet_->ipv4().ToString(), absl::StrCat(port),
                                 "--fetch", kTlsTransfer, "--check-queue"}),
              PeerSucceeds());
  EXPECT_THAT(RunPeer(*runner_, {"tls-connect", internet_->ipv6().ToString(), absl::StrCat(port),
                                 "--fetch", kTlsTransfer, "--check-queue"}),
              PeerSucceeds());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsCompatTest, Tls13TransferFromAGovernedServerPasses) {
  const int port = ServePythonTls(*runner_);
  ASSERT_GT(port, 0);
  EXPECT_THAT(RunPeer(*internet_, {"tls-connect", runner_->ipv4().ToString(), absl::StrCat(port),
                                   "--fetch", kTlsTransfer, "--check-queue"}),
              PeerSucceeds());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

TEST_F(TlsCompatTest, QuicLikeUdpPasses) {
  ASSERT_TRUE(ServeUdp(*internet_, {443}));
  const std::string initial = testbed::ToHex(QuicInitial());
  EXPECT_THAT(RunPeer(*runner_, {"udp-echo-client", internet_->ipv4().ToString(), "443", initial}),
              PeerSucceeds());
  EXPECT_THAT(RunPeer(*runner_, {"udp-echo-client", internet_->ipv6().ToString(), "443", initial}),
              PeerSucceeds());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(ReportedEvents(), IsEmpty());
}

}  // namespace
}  // namespace nsfence::e2e
