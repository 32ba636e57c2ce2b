// The C API of userspace/tls (tls_feed.h): how nsf_tls_feed reports what it
// consumed, the kernel's step budget, and the small helpers.
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tls/hello_parser.h"
#include "tls/tls_feed.h"
#include "support/tls_hello_builder.h"
#include "unit/tls/stream_testing.h"

namespace nsfence::tls {
namespace {

using testing::Bytes;
using testing::ChangeCipherSpec;
using testing::Concat;
using testing::HelloBuilder;

TEST(TlsFeedTest, ConsumedEndsAtTheHelloAndTheRestParsesAfterNext) {
  const Bytes first = HelloBuilder::Client().Sni("one.example").Versions({0x0304}).Records();
  const Bytes bytes = Concat({first, ChangeCipherSpec(), HelloBuilder::Client().Versions({0x0303}).Records()});
  nsf_tls_parser p;
  nsf_tls_reset(&p);
  uint32_t consumed = 0;
  ASSERT_EQ(nsf_tls_feed(&p, bytes.data(), static_cast<uint32_t>(bytes.size()), &consumed), NSF_TLS_HELLO);
  EXPECT_EQ(consumed, first.size());
  EXPECT_EQ(p.hs_type, NSF_TLS_CLIENT_HELLO);
  EXPECT_EQ(nsf_tls_version(&p), 0x0304);
  EXPECT_EQ(std::string(p.sni, p.sni_len), "one.example");
  EXPECT_EQ(p.sni[p.sni_len], '\0');

  nsf_tls_next(&p);
  const uint32_t rest = static_cast<uint32_t>(bytes.size()) - consumed;
  uint32_t consumed2 = 0;
  ASSERT_EQ(nsf_tls_feed(&p, bytes.data() + consumed, rest, &consumed2), NSF_TLS_HELLO);
  EXPECT_EQ(consumed2, rest);
  EXPECT_EQ(nsf_tls_version(&p), 0x0303);
  EXPECT_EQ(p.flags & NSF_TLS_HAVE_VERSIONS, NSF_TLS_HAVE_VERSIONS);
}

TEST(TlsFeedTest, IncompleteHelloConsumesEverythingAndContinues) {
  const Bytes bytes = HelloBuilder::Client().Versions({0x0304}).Records();
  nsf_tls_parser p;
  nsf_tls_reset(&p);
  uint32_t consumed = 0;
  EXPECT_EQ(nsf_tls_feed(&p, bytes.data(), 50, &consumed), NSF_TLS_CONTINUE);
  EXPECT_EQ(consumed, 50u);
  EXPECT_EQ(nsf_tls_feed(&p, bytes.data() + 50, static_cast<uint32_t>(bytes.size() - 50), nullptr), NSF_TLS_HELLO);
}

TEST(TlsFeedTest, SkippedSpansCostOneStepWhateverTheirSize) {
  // An extension the parser does not read is passed over in one step (per
  // record it spans): 10 KB cost what 100 bytes cost.
  auto steps = [](size_t filler) {
    const Bytes bytes = HelloBuilder::Client().Filler(filler).Versions({0x0304}).Records();
    nsf_tls_parser p;
    nsf_tls_reset(&p);
    nsf_tls_feed_info info;
    EXPECT_EQ(nsf_tls_feed_bounded(&p, bytes.data(), static_cast<uint32_t>(bytes.size()), NSF_TLS_FEED_MAX_STEPS,
                                   &info),
              NSF_TLS_HELLO);
    EXPECT_FALSE(info.out_of_steps);
    EXPECT_FALSE(info.stalled);
    return info.steps;
  };
  EXPECT_EQ(steps(10000), steps(100));
  EXPECT_LT(steps(10000), 200u) << "a hello takes a few hundred steps at most";
}

TEST(TlsFeedTest, ManyEmptyExtensionsInOneSegmentStayWithinTheKernelStepBudget) {
  // 5000 empty extensions take 4 steps each (one per header byte): the budget
  // covers one step per byte of any skb, so even this hello parses whole.
  HelloBuilder b = HelloBuilder::Client();
  for (int i = 0; i < 5000; i++) b.Filler(0, static_cast<uint16_t>(0x2000 + i));
  b.Versions({0x0304});
  const Bytes bytes = b.Records();

  HelloStream whole;
  const std::vector<Hello> hellos = whole.Feed(bytes);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(hellos[0].version, 0x0304);
  EXPECT_FALSE(whole.out_of_steps());
  EXPECT_LE(whole.steps(), bytes.size());

  // A smaller budget runs out, and says so.
  nsf_tls_parser p;
  nsf_tls_reset(&p);
  nsf_tls_feed_info info;
  EXPECT_EQ(nsf_tls_feed_bounded(&p, bytes.data(), static_cast<uint32_t>(bytes.size()), 8192, &info),
            NSF_TLS_MALFORMED);
  EXPECT_TRUE(info.out_of_steps);
}

TEST(TlsFeedTest, ZeroStepBudgetConsumesNothing) {
  const Bytes bytes = HelloBuilder::Client().Records();
  nsf_tls_parser p;
  nsf_tls_reset(&p);
  nsf_tls_feed_info info;
  EXPECT_EQ(nsf_tls_feed_bounded(&p, bytes.data(), static_cast<uint32_t>(bytes.size()), 0, &info), NSF_TLS_MALFORMED);
  EXPECT_EQ(info.consumed, 0u);
  EXPECT_TRUE(info.out_of_steps);
  EXPECT_EQ(nsf_tls_feed_bounded(&p, bytes.data(), 0, 0, &info), NSF_TLS_CONTINUE) << "nothing to feed";
}

TEST(TlsFeedTest, HelloStreamIgnoresBytesAfterStop) {
  HelloStream s;
  EXPECT_TRUE(s.Feed(testing::ApplicationData()).empty());
  EXPECT_EQ(s.state(), StreamState::kStopped);
  EXPECT_TRUE(s.Feed(HelloBuilder::Client().Records()).empty());
  EXPECT_EQ(s.offset(), 5u);
}

TEST(TlsFeedTest, ClassifyAndVersionHelpers) {
  uint16_t v = 1;
  const Bytes sslv2 = testing::Sslv2ClientHello(0x0301);
  EXPECT_EQ(nsf_tls_classify(sslv2.data(), static_cast<uint32_t>(sslv2.size()), &v), NSF_TLS_START_SSLV2);
  EXPECT_EQ(v, 0x0301);
  EXPECT_EQ(nsf_tls_classify(sslv2.data(), 4, &v), NSF_TLS_START_OTHER);
  EXPECT_EQ(v, 0);

  EXPECT_EQ(nsf_tls_code(0x0301), NSFENCE_TLS_1_0);
  EXPECT_EQ(nsf_tls_code(0x0304), NSFENCE_TLS_1_3);
  EXPECT_EQ(nsf_tls_code(0x0300), NSFENCE_TLS_NONE) << "SSL 3.0";
  EXPECT_EQ(nsf_tls_code(0x0002), NSFENCE_TLS_NONE) << "SSL 2.0";
  EXPECT_EQ(nsf_tls_code(0x0401), 0xff) << "a future version counts as above every floor";
  EXPECT_TRUE(nsf_tls_grease(0x0a0a));
  EXPECT_TRUE(nsf_tls_grease(0xfafa));
  EXPECT_FALSE(nsf_tls_grease(0x0a1a));
  EXPECT_FALSE(nsf_tls_grease(0x0304));

  EXPECT_EQ(VersionName(0x0303), "TLS 1.2");
  EXPECT_EQ(VersionName(0x0300), "SSL 3.0");
  EXPECT_EQ(VersionName(0x2a2a), "GREASE 0x2a2a");
  EXPECT_EQ(VersionName(0xfefd), "0xfefd");
}

}  // namespace
}  // namespace nsfence::tls
