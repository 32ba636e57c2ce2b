// Crafted hellos and record sequences, built byte by byte (hello_builder.h):
// what the parser decides on each, and that it decides the same however the
// stream is cut (every case also runs through the fuzz target's invariants).
#include <string>

#include "gtest/gtest.h"
#include "tls/hello_parser.h"
#include "support/tls_hello_builder.h"
#include "unit/tls/stream_testing.h"

namespace nsfence::tls {
namespace {

using testing::ApplicationData;
using testing::Bytes;
using testing::ChangeCipherSpec;
using testing::Concat;
using testing::HandshakeMessage;
using testing::HelloBuilder;
using testing::Records;
using testing::SameHoweverCut;

constexpr uint16_t kTls10 = 0x0301, kTls11 = 0x0302, kTls12 = 0x0303, kTls13 = 0x0304;

// The stream fed whole; the test fails if any other cut decides otherwise.
StreamResult Parse(const Bytes& bytes) {
  EXPECT_TRUE(SameHoweverCut(bytes));
  return testing::FeedWhole(bytes);
}

// Exactly one hello, then nothing: the fields of that hello.
Hello OnlyHello(const Bytes& bytes) {
  const StreamResult r = Parse(bytes);
  EXPECT_EQ(r.state, StreamState::kParsing) << ::testing::PrintToString(r);
  EXPECT_EQ(r.hellos.size(), 1u) << ::testing::PrintToString(r);
  EXPECT_EQ(r.offset, bytes.size());
  if (r.hellos.empty()) return Hello{};
  EXPECT_EQ(r.hellos[0].end, bytes.size());
  return r.hellos[0];
}

StreamState End(const Bytes& bytes) { return Parse(bytes).state; }

// --- versions ----------------------------------------------------------------

TEST(CraftedVersionsTest, ClientOffersHighestSupportedVersionWhateverItsPlaceInTheList) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Versions({kTls13, kTls12}).Records()).version, kTls13);
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Versions({kTls11, kTls13, kTls12}).Records()).version, kTls13);
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Versions({kTls10, kTls12}).Records()).version, kTls12);
  const Hello h = OnlyHello(HelloBuilder::Client().LegacyVersion(kTls12).Versions({kTls11, kTls10}).Records());
  EXPECT_EQ(h.version, kTls11) << "supported_versions overrides legacy_version, also downwards";
  EXPECT_TRUE(h.has_supported_versions);
}

TEST(CraftedVersionsTest, GreaseOnlySupportedVersionsFallsBackToLegacyVersion) {
  const Hello h = OnlyHello(HelloBuilder::Client().LegacyVersion(kTls10).Versions({0x0a0a, 0xfafa}).Records());
  EXPECT_FALSE(h.has_supported_versions);
  EXPECT_EQ(h.version, kTls10);
}

TEST(CraftedVersionsTest, GreaseEntriesBesideRealVersionsAreIgnored) {
  const Hello h = OnlyHello(HelloBuilder::Client().Versions({0x7a7a, kTls12, 0xfafa}).Records());
  EXPECT_EQ(h.version, kTls12) << "0xfafa is larger but GREASE";
}

TEST(CraftedVersionsTest, SupportedVersionsAsTheLastExtensionIsRead) {
  const Bytes bytes = HelloBuilder::Client()
                          .Sni("last.example")
                          .Filler(300)
                          .Filler(0, 0xff01)
                          .Versions({kTls13})
                          .Records();
  const Hello h = OnlyHello(bytes);
  EXPECT_EQ(h.version, kTls13);
  EXPECT_EQ(h.sni, "last.example");
}

TEST(CraftedVersionsTest, SupportedVersionsAfterTwoHundredExtensionsIsRead) {
  HelloBuilder b = HelloBuilder::Client();
  for (int i = 0; i < 200; i++) b.Filler(static_cast<size_t>(i % 7), static_cast<uint16_t>(0x1000 + i));
  b.Versions({kTls12, kTls13});
  EXPECT_EQ(OnlyHello(b.Records()).version, kTls13);
}

TEST(CraftedVersionsTest, TenKilobyteHelloInOneOrManyRecordsIsRead) {
  const HelloBuilder b = HelloBuilder::Client().Filler(10 * 1024).Sni("big.example").Versions({kTls13});
  for (size_t fragment : {16384, 1000, 77}) {
    SCOPED_TRACE(fragment);
    const Hello h = OnlyHello(b.Records(fragment));
    EXPECT_EQ(h.version, kTls13);
    EXPECT_EQ(h.sni, "big.example");
  }
}

TEST(CraftedVersionsTest, HelloWithoutExtensionsBlockDecidesOnLegacyVersion) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().LegacyVersion(kTls10).NoExtensionsBlock().Records()).version, kTls10);
  const Hello s = OnlyHello(HelloBuilder::Server().LegacyVersion(kTls11).NoExtensionsBlock().Records());
  EXPECT_EQ(s.type, NSF_TLS_SERVER_HELLO);
  EXPECT_EQ(s.version, kTls11);
}

TEST(CraftedVersionsTest, ServerSelectsThroughSupportedVersionsElseLegacyVersion) {
  const Hello tls13 = OnlyHello(HelloBuilder::Server().Versions({kTls13}).Records());
  EXPECT_EQ(tls13.legacy_version, kTls12);
  EXPECT_EQ(tls13.version, kTls13);
  EXPECT_FALSE(tls13.retry_request);
  EXPECT_EQ(OnlyHello(HelloBuilder::Server().LegacyVersion(kTls10).Filler(8).Records()).version, kTls10);
}

TEST(CraftedVersionsTest, ServerSupportedVersionsNotTwoBytesIsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Server().Ext(43, {0x03, 0x04, 0x00}).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Server().Ext(43, {0x03}).Records()), StreamState::kMalformed);
}

TEST(CraftedVersionsTest, ClientSupportedVersionsListEmptyOddOrLongerThanExtensionIsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().Ext(43, {}).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().Ext(43, {0x00}).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().Ext(43, {0x03, 0x03, 0x04, 0x00}).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().Ext(43, {0x04, 0x03, 0x04}).Records()), StreamState::kMalformed);
}

TEST(CraftedVersionsTest, ClientSupportedVersionsListShorterThanExtensionSkipsTheRest) {
  const Hello h = OnlyHello(HelloBuilder::Client().Ext(43, {0x02, 0x03, 0x03, 0x03, 0x04}).Records());
  EXPECT_EQ(h.version, kTls12) << "0x0304 lies outside the list";
}

// --- HelloRetryRequest and ChangeCipherSpec ----------------------------------

TEST(CraftedRetryTest, RetryRequestThenCcsThenServerHelloGivesBothInOrder) {
  const Bytes server = Concat({HelloBuilder::RetryRequest().Records(), ChangeCipherSpec(),
                               HelloBuilder::Server().Versions({kTls13}).Records(), ChangeCipherSpec(),
                               ApplicationData()});
  const StreamResult r = Parse(server);
  ASSERT_EQ(r.hellos.size(), 2u) << ::testing::PrintToString(r);
  EXPECT_TRUE(r.hellos[0].retry_request);
  EXPECT_EQ(r.hellos[0].version, kTls13);
  EXPECT_FALSE(r.hellos[1].retry_request);
  EXPECT_EQ(r.hellos[1].version, kTls13);
  EXPECT_EQ(r.state, StreamState::kStopped) << "encrypted records follow";
  EXPECT_EQ(r.offset, server.size() - ApplicationData().size() + 5) << "stopped on the record header";
}

TEST(CraftedRetryTest, CcsBetweenTwoClientHellosIsSkipped) {
  const Bytes client = Concat({HelloBuilder::Client().Sni("a.example").Versions({kTls13}).Records(),
                               ChangeCipherSpec(), HelloBuilder::Client().Sni("a.example").Versions({kTls13}).Records()});
  const StreamResult r = Parse(client);
  ASSERT_EQ(r.hellos.size(), 2u);
  EXPECT_EQ(r.state, StreamState::kParsing);
  EXPECT_EQ(r.hellos[1].sni, "a.example");
  EXPECT_EQ(r.hellos[1].end, client.size());
}

TEST(CraftedRetryTest, SecondClientHelloReportsTheSniOfTheFirst) {
  // The parser copies one host_name per stream (RFC 8446 4.1.2: the second
  // ClientHello repeats the first).
  const Bytes client = Concat({HelloBuilder::Client().Sni("first.example").Records(), ChangeCipherSpec(),
                               HelloBuilder::Client().Sni("second.example").Records()});
  const StreamResult r = Parse(client);
  ASSERT_EQ(r.hellos.size(), 2u);
  EXPECT_EQ(r.hellos[1].sni, "first.example");
}

TEST(CraftedRetryTest, RetryRandomInAClientHelloIsNoRetryRequest) {
  const Bytes random = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
                        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  EXPECT_FALSE(OnlyHello(HelloBuilder::Client().Random(random).Records()).retry_request);
  Bytes almost = random;
  almost[31] ^= 1;
  EXPECT_FALSE(OnlyHello(HelloBuilder::Server().Random(almost).Versions({kTls13}).Records()).retry_request);
}

TEST(CraftedRetryTest, TwoHellosInOneRecordAreBothRead) {
  const Bytes two = Records(Concat({HelloBuilder::Client().Message(), HelloBuilder::Client().Versions({kTls13}).Message()}));
  const StreamResult r = Parse(two);
  ASSERT_EQ(r.hellos.size(), 2u);
  EXPECT_EQ(r.hellos[0].version, kTls12);
  EXPECT_EQ(r.hellos[1].version, kTls13);
}

// --- records -----------------------------------------------------------------

TEST(CraftedRecordTest, HandshakeMessageSpanningThreeRecordsIsRead) {
  const Bytes message = HelloBuilder::Client().Sni("three.example").Versions({kTls13}).Message();
  const Bytes bytes = Records(message, 0x16, message.size() / 3 + 1);
  ASSERT_EQ(bytes.size(), message.size() + 3 * 5) << "three records";
  const Hello h = OnlyHello(bytes);
  EXPECT_EQ(h.version, kTls13);
  EXPECT_EQ(h.sni, "three.example");
}

TEST(CraftedRecordTest, OneByteRecordsSplittingEveryFieldAreRead) {
  const Hello h = OnlyHello(HelloBuilder::Client().Sni("tiny.example").Versions({kTls13}).Records(1));
  EXPECT_EQ(h.version, kTls13);
  EXPECT_EQ(h.sni, "tiny.example");
}

TEST(CraftedRecordTest, RecordVersionNot3xAtStreamStartStops) {
  const Bytes message = HelloBuilder::Client().Message();
  EXPECT_EQ(End(Records(message, 0x16, 16384, 0x0201)), StreamState::kStopped);
  EXPECT_EQ(End(Records(message, 0x16, 16384, 0xfefd)), StreamState::kStopped) << "DTLS 1.2";
}

TEST(CraftedRecordTest, RecordVersionNot3xInsideAMessageIsMalformed) {
  const Bytes message = HelloBuilder::Client().Message();
  const Bytes head(message.begin(), message.begin() + 20), tail(message.begin() + 20, message.end());
  EXPECT_EQ(End(Concat({Records(head), Records(tail, 0x16, 16384, 0x0201)})), StreamState::kMalformed);
}

TEST(CraftedRecordTest, TruncatedMessageThenAnotherRecordTypeIsMalformed) {
  const Bytes message = HelloBuilder::Client().Versions({kTls13}).Message();
  const Bytes head = Records(Bytes(message.begin(), message.begin() + 60));
  EXPECT_EQ(End(Concat({head, ApplicationData()})), StreamState::kMalformed);
  EXPECT_EQ(End(Concat({head, ChangeCipherSpec()})), StreamState::kMalformed);
  EXPECT_EQ(End(Concat({head, Records({0x02, 0x28}, 0x15)})), StreamState::kMalformed) << "alert";
  // The handshake header itself cut by the record end.
  EXPECT_EQ(End(Concat({Records(Bytes(message.begin(), message.begin() + 2)), ApplicationData()})),
            StreamState::kMalformed);
}

TEST(CraftedRecordTest, TruncatedMessageWaitsForMoreBytes) {
  const Bytes message = HelloBuilder::Client().Versions({kTls13}).Message();
  const Bytes bytes = Records(message);
  const StreamResult r = Parse(Bytes(bytes.begin(), bytes.end() - 1));
  EXPECT_EQ(r.state, StreamState::kParsing);
  EXPECT_TRUE(r.hellos.empty());
}

TEST(CraftedRecordTest, NonHandshakeRecordAtStreamStartStops) {
  EXPECT_EQ(End(ApplicationData()), StreamState::kStopped);
  EXPECT_EQ(End(Records({0x02, 0x46}, 0x15)), StreamState::kStopped);
  const std::string http = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
  EXPECT_EQ(End(Bytes(http.begin(), http.end())), StreamState::kStopped);
  EXPECT_EQ(Parse(ApplicationData()).offset, 5u) << "decided on the record header";
}

TEST(CraftedRecordTest, EmptyOrOversizedRecordAtStreamStartStops) {
  EXPECT_EQ(End({0x16, 0x03, 0x01, 0x00, 0x00, 0x01}), StreamState::kStopped);
  Bytes oversized = {0x16, 0x03, 0x03, 0x48, 0x01};  // 18433 > 16384 + 2048
  oversized.resize(64, 0x01);
  EXPECT_EQ(End(oversized), StreamState::kStopped);
}

TEST(CraftedRecordTest, CcsAtStreamStartIsSkipped) {
  const StreamResult r = Parse(Concat({ChangeCipherSpec(), HelloBuilder::Client().Records()}));
  EXPECT_EQ(r.hellos.size(), 1u);
}

// --- what follows a hello ----------------------------------------------------

TEST(CraftedFollowTest, CertificateAfterServerHelloInTheSameRecordStops) {
  const Bytes server_hello = HelloBuilder::Server().LegacyVersion(kTls12).Filler(4).Message();
  const Bytes bytes = Records(Concat({server_hello, HandshakeMessage(11, 900)}));
  const StreamResult r = Parse(bytes);
  ASSERT_EQ(r.hellos.size(), 1u);
  EXPECT_EQ(r.hellos[0].version, kTls12);
  EXPECT_EQ(r.state, StreamState::kStopped);
  EXPECT_EQ(r.offset, 5 + server_hello.size() + 4) << "stopped on the Certificate's handshake header";
}

TEST(CraftedFollowTest, CertificateAfterServerHelloInTheNextRecordStops) {
  const Bytes sh = HelloBuilder::Server().LegacyVersion(kTls12).Records();
  const StreamResult r = Parse(Concat({sh, Records(HandshakeMessage(11, 300))}));
  ASSERT_EQ(r.hellos.size(), 1u);
  EXPECT_EQ(r.state, StreamState::kStopped);
  EXPECT_EQ(r.offset, sh.size() + 5 + 4);
}

TEST(CraftedFollowTest, ClientKeyExchangeAfterClientHelloStops) {
  EXPECT_EQ(End(Concat({HelloBuilder::Client().Records(), Records(HandshakeMessage(16, 70))})),
            StreamState::kStopped);
}

TEST(CraftedFollowTest, OtherHandshakeMessageAtStreamStartStops) {
  const StreamResult r = Parse(Records(HandshakeMessage(4, 40)));
  EXPECT_TRUE(r.hellos.empty());
  EXPECT_EQ(r.state, StreamState::kStopped);
  EXPECT_EQ(r.offset, 9u);
}

// --- server_name -------------------------------------------------------------

TEST(CraftedSniTest, HostNameIsCopied) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Sni("api.platform.svc").Records()).sni, "api.platform.svc");
}

TEST(CraftedSniTest, EmptyHostNameOrEmptyExtensionGivesNoSni) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Sni("").Versions({kTls13}).Records()).sni, "");
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Ext(0, {}).Versions({kTls13}).Records()).sni, "");
}

TEST(CraftedSniTest, HostNameLongerThan63BytesIsTruncatedTo63) {
  const std::string name(100, 'n');
  const Hello h = OnlyHello(HelloBuilder::Client().Sni(name).Versions({kTls13}).Records());
  EXPECT_EQ(h.sni, name.substr(0, NSFENCE_SNI_LEN - 1));
  EXPECT_EQ(h.version, kTls13) << "the rest of the name is skipped, the extensions after it still read";
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Sni(std::string(63, 'x')).Records()).sni, std::string(63, 'x'));
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Sni(std::string(64, 'y')).Records()).sni, std::string(63, 'y'));
}

TEST(CraftedSniTest, NameOfAnotherTypeOrLongerThanItsExtensionIsIgnored) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().Ext(0, testing::ServerNameBody("x.example", 1)).Records()).sni, "");
  const Bytes lying = {0x00, 0x0e, 0x00, 0x00, 0xc8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'};  // says 200 bytes
  const Hello h = OnlyHello(HelloBuilder::Client().Ext(0, lying).Versions({kTls13}).Records());
  EXPECT_EQ(h.sni, "");
  EXPECT_EQ(h.version, kTls13);
}

TEST(CraftedSniTest, ServerHelloServerNameIsNotCopied) {
  EXPECT_EQ(OnlyHello(HelloBuilder::Server().Ext(0, testing::ServerNameBody("s.example")).Records()).sni, "");
}

// --- malformed lengths -------------------------------------------------------

TEST(CraftedMalformedTest, SessionIdLongerThan32IsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().SessionId(Bytes(33, 0x01)).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Server().SessionId(Bytes(33, 0x01)).Records()), StreamState::kMalformed);
  EXPECT_EQ(OnlyHello(HelloBuilder::Client().SessionId({}).Records()).version, kTls12) << "empty is fine";
}

TEST(CraftedMalformedTest, ExtensionsLengthNotEndingTheMessageIsMalformed) {
  const HelloBuilder b = HelloBuilder::Client().Sni("x.example").Versions({kTls13});
  const size_t real = b.Body().size() - HelloBuilder(b).NoExtensionsBlock().Body().size() - 2;
  EXPECT_EQ(OnlyHello(HelloBuilder(b).ExtensionsLength(static_cast<uint32_t>(real)).Records()).version, kTls13);
  EXPECT_EQ(End(HelloBuilder(b).ExtensionsLength(static_cast<uint32_t>(real - 1)).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder(b).ExtensionsLength(static_cast<uint32_t>(real + 1)).Records()), StreamState::kMalformed);
}

TEST(CraftedMalformedTest, ExtensionLongerThanTheExtensionsBlockIsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().ExtWithLength(0xfe00, Bytes(4, 0), 400).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().Filler(3).ExtWithLength(0xfe01, Bytes(4, 0), 5).Records()),
            StreamState::kMalformed);
}

TEST(CraftedMalformedTest, CipherSuitesOddEmptyOrBeyondTheMessageAreMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().CipherSuitesLength(9).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().CipherSuites({}).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Client().CipherSuitesLength(4000).Records()), StreamState::kMalformed);
}

TEST(CraftedMalformedTest, NoCompressionMethodIsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().Compression({}).Records()), StreamState::kMalformed);
}

TEST(CraftedMalformedTest, MessageTooShortForAHelloIsMalformed) {
  EXPECT_EQ(End(HelloBuilder::Client().MessageLength(37).Records()), StreamState::kMalformed);
  EXPECT_EQ(End(HelloBuilder::Server().MessageLength(37).Records()), StreamState::kMalformed);
}

TEST(CraftedMalformedTest, MessageEndingInsideAFieldIsMalformedAtTheNextByteHoweverCut) {
  // A ServerHello whose length counts one byte of its two-byte extensions
  // length: the parser reads that byte, and the next byte of the stream,
  // which would be past the message, makes it malformed, in every cut.
  Bytes message = HelloBuilder::Server().LegacyVersion(kTls12).NoExtensionsBlock().Message();
  const size_t body = message.size() - 4 + 1;
  message[1] = 0;
  message[2] = static_cast<uint8_t>(body >> 8);
  message[3] = static_cast<uint8_t>(body);
  message.push_back(0x00);
  const Bytes bytes = Records(message);
  const StreamResult waiting = Parse(bytes);
  EXPECT_EQ(waiting.state, StreamState::kParsing) << "nothing after the message yet";
  EXPECT_EQ(waiting.offset, bytes.size());
  const Bytes more = Concat({bytes, Records(Bytes(10, 0))});
  const StreamResult r = Parse(more);
  EXPECT_EQ(r.state, StreamState::kMalformed);
  EXPECT_TRUE(r.hellos.empty());
  EXPECT_EQ(Parse(Concat({bytes, ApplicationData()})).state, StreamState::kMalformed);
}

TEST(CraftedMalformedTest, MessageLongerThanItsFieldsIsMalformed) {
  const HelloBuilder b = HelloBuilder::Client().Versions({kTls13});
  const uint32_t len = static_cast<uint32_t>(b.Body().size());
  Bytes message = HelloBuilder(b).MessageLength(len + 3).Message();
  message.insert(message.end(), {0, 0, 0});
  EXPECT_EQ(End(Records(message)), StreamState::kMalformed);
}

// --- SSLv2-compatible hello and segment starts --------------------------------

TEST(CraftedStartTest, Sslv2CompatibleHelloIsClassifiedWithItsVersion) {
  for (uint16_t v : {uint16_t{0x0002}, uint16_t{0x0300}, kTls10, kTls12}) {
    const Start s = ClassifyStart(testing::Sslv2ClientHello(v));
    EXPECT_EQ(s.kind, StartKind::kSslv2Hello) << VersionName(v);
    EXPECT_EQ(s.version, v);
  }
}

TEST(CraftedStartTest, Sslv2CompatibleHelloIsNoTlsHelloToTheStreamParser) {
  const StreamResult r = Parse(testing::Sslv2ClientHello(kTls10));
  EXPECT_TRUE(r.hellos.empty());
  EXPECT_EQ(r.state, StreamState::kStopped);
}

TEST(CraftedStartTest, SegmentStartsAreClassified) {
  const Start hello = ClassifyStart(HelloBuilder::Client().Records());
  EXPECT_EQ(hello.kind, StartKind::kHello);
  EXPECT_EQ(hello.version, kTls10) << "the record version";
  EXPECT_EQ(ClassifyStart(HelloBuilder::Server().Records()).kind, StartKind::kHello);
  const Start data = ClassifyStart(ApplicationData());
  EXPECT_EQ(data.kind, StartKind::kRecord);
  EXPECT_EQ(data.version, kTls12);
  EXPECT_EQ(ClassifyStart(Records({0x02, 0x28}, 0x15, 16384, 0x0301)).kind, StartKind::kRecord);
  EXPECT_EQ(ClassifyStart(Records(HandshakeMessage(11, 20))).kind, StartKind::kOther) << "not a hello";
  EXPECT_EQ(ClassifyStart(ChangeCipherSpec()).kind, StartKind::kOther);
  EXPECT_EQ(ClassifyStart(Bytes{0x16, 0x03, 0x01, 0x00}).kind, StartKind::kOther) << "too short";
  EXPECT_EQ(ClassifyStart(Bytes{0x16, 0x03, 0x01, 0x00, 0x30}).kind, StartKind::kOther) << "no handshake type yet";
  EXPECT_EQ(ClassifyStart(Records(HelloBuilder::Client().Message(), 0x16, 16384, 0x0305)).kind, StartKind::kOther);
  const std::string smtp = "EHLO mail.example\r\n";
  EXPECT_EQ(ClassifyStart(Bytes(smtp.begin(), smtp.end())).kind, StartKind::kOther);
  EXPECT_EQ(ClassifyStart(Bytes{0x80, 0x05, 0x01, 0x03, 0x01, 0x00}).kind, StartKind::kOther)
      << "SSLv2 header too short for a hello";
}

}  // namespace
}  // namespace nsfence::tls
