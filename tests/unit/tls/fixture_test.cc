// Real handshakes captured by tools/capture-tls-fixtures.py (openssl, curl,
// gnutls-cli, Python ssl on 127.0.0.1): every fixture stream parsed whole,
// byte by byte and split in two at every offset gives the hellos the manifest
// names.
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tls/hello_parser.h"
#include "unit/tls/stream_testing.h"

namespace nsfence::tls {
namespace {

using testing::Bytes;
using testing::FeedWhole;
using testing::ReadFile;

const std::string kFixtureDir = NSFENCE_SOURCE_DIR "/tests/fixtures/tls/";

struct ExpectedHello {
  uint16_t version = 0;
  bool retry_request = false;
};

struct Fixture {
  std::string name;
  std::vector<ExpectedHello> client, server;
  bool hrr = false;
  std::string sni;  // "" when the ClientHello has none
  bool client_goes_on = false, server_goes_on = false;
};

std::vector<ExpectedHello> ParseHellos(const std::string& list) {
  std::vector<ExpectedHello> out;
  if (list == "-") return out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    ExpectedHello h;
    h.retry_request = item.size() > 4 && item.compare(item.size() - 4, 4, "/hrr") == 0;
    h.version = static_cast<uint16_t>(std::stoul(item, nullptr, 16));
    out.push_back(h);
  }
  return out;
}

std::vector<Fixture> LoadManifest() {
  std::vector<Fixture> out;
  std::ifstream in(kFixtureDir + "manifest.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream words(line);
    Fixture f;
    words >> f.name;
    std::map<std::string, std::string> kv;
    std::string word;
    while (words >> word) {
      const size_t eq = word.find('=');
      if (eq != std::string::npos) kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    f.client = ParseHellos(kv["client"]);
    f.server = ParseHellos(kv["server"]);
    f.hrr = kv["hrr"] == "yes";
    f.sni = kv["sni"] == "-" ? "" : kv["sni"];
    f.client_goes_on = kv["client_after"] == "other";
    f.server_goes_on = kv["server_after"] == "other";
    out.push_back(f);
  }
  return out;
}

const std::vector<Fixture>& Fixtures() {
  static const std::vector<Fixture> fixtures = LoadManifest();
  return fixtures;
}

const Fixture& Named(const std::string& name) {
  for (const Fixture& f : Fixtures()) {
    if (f.name == name) return f;
  }
  static const Fixture none;
  ADD_FAILURE() << "no fixture " << name;
  return none;
}

Bytes ClientBytes(const std::string& name) { return ReadFile(kFixtureDir + name + ".client.bin"); }
Bytes ServerBytes(const std::string& name) { return ReadFile(kFixtureDir + name + ".server.bin"); }

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const Fixture& f : Fixtures()) names.push_back(f.name);
  return names;
}

// Checks one stream's hellos against the manifest.
void ExpectHellos(const StreamResult& r, int type, const std::vector<ExpectedHello>& want, const std::string& sni,
                  bool goes_on) {
  ASSERT_EQ(r.hellos.size(), want.size()) << ::testing::PrintToString(r);
  for (size_t i = 0; i < want.size(); i++) {
    SCOPED_TRACE("hello " + std::to_string(i));
    EXPECT_EQ(r.hellos[i].type, type);
    EXPECT_EQ(r.hellos[i].version, want[i].version)
        << VersionName(r.hellos[i].version) << " vs " << VersionName(want[i].version);
    EXPECT_EQ(r.hellos[i].retry_request, want[i].retry_request);
    if (type == NSF_TLS_CLIENT_HELLO) {
      EXPECT_EQ(r.hellos[i].sni, sni);
    }
    if (i > 0) {
      EXPECT_GT(r.hellos[i].end, r.hellos[i - 1].end);
    }
  }
  // What follows the hellos in a capture is a record or handshake message
  // that is not a hello: the stream stops there.
  EXPECT_EQ(r.state, goes_on ? StreamState::kStopped : StreamState::kParsing) << ::testing::PrintToString(r);
}

class FixtureTest : public ::testing::TestWithParam<std::string> {
 protected:
  const Fixture& fixture() const { return Named(GetParam()); }
};

TEST_P(FixtureTest, ClientStreamWholeGivesManifestVersionsAndSni) {
  const Bytes bytes = ClientBytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  ExpectHellos(FeedWhole(bytes), NSF_TLS_CLIENT_HELLO, fixture().client, fixture().sni, fixture().client_goes_on);
}

TEST_P(FixtureTest, ServerStreamWholeGivesManifestVersionsAndRetryRequests) {
  const Bytes bytes = ServerBytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  ExpectHellos(FeedWhole(bytes), NSF_TLS_SERVER_HELLO, fixture().server, "", fixture().server_goes_on);
}

TEST_P(FixtureTest, ClientStreamSameByteAtATimeAndSplitInTwoAtEveryOffset) {
  const Bytes bytes = ClientBytes(GetParam());
  const StreamResult byte_at_a_time = testing::FeedByteAtATime(bytes);
  ExpectHellos(byte_at_a_time, NSF_TLS_CLIENT_HELLO, fixture().client, fixture().sni, fixture().client_goes_on);
  EXPECT_TRUE(testing::SameHoweverCut(bytes));
}

TEST_P(FixtureTest, ServerStreamSameByteAtATimeAndSplitInTwoAtEveryOffset) {
  const Bytes bytes = ServerBytes(GetParam());
  const StreamResult byte_at_a_time = testing::FeedByteAtATime(bytes);
  ExpectHellos(byte_at_a_time, NSF_TLS_SERVER_HELLO, fixture().server, "", fixture().server_goes_on);
  EXPECT_TRUE(testing::SameHoweverCut(bytes));
}

TEST_P(FixtureTest, StreamsSameInTcpSizedSegments) {
  for (const Bytes& bytes : {ClientBytes(GetParam()), ServerBytes(GetParam())}) {
    for (size_t mss : {536, 1448, 4096}) {
      EXPECT_EQ(testing::FeedInChunks(bytes, [mss](size_t) { return mss; }), FeedWhole(bytes)) << "mss " << mss;
    }
  }
}

TEST_P(FixtureTest, FirstBytesClassifyAsHelloRecordStart) {
  for (const Bytes& bytes : {ClientBytes(GetParam()), ServerBytes(GetParam())}) {
    const Start s = ClassifyStart(bytes);
    EXPECT_EQ(s.kind, StartKind::kHello);
    EXPECT_EQ(s.version >> 8, 3);
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Captured, FixtureTest, ::testing::ValuesIn(FixtureNames()), ParamName);

TEST(FixtureManifestTest, ListsEveryRequiredCapture) {
  const std::vector<std::string> names = FixtureNames();
  for (const char* want :
       {"openssl-tls1_0", "openssl-tls1_1", "openssl-tls1_2", "openssl-tls1_3", "openssl-default", "openssl-hrr",
        "openssl-downgrade-tls1_0", "curl-tls1_0", "curl-default", "gnutls-normal", "gnutls-tls1_0", "python-tls1_0",
        "python-default", "openssl-large-hello", "openssl-split-records"}) {
    EXPECT_THAT(names, ::testing::Contains(want));
  }
}

TEST(FixtureSemanticsTest, OldVersionOnlyClientsOfferLegacyVersionWithoutSupportedVersions) {
  for (const char* name : {"openssl-tls1_0", "openssl-tls1_1", "curl-tls1_0", "gnutls-tls1_0", "python-tls1_0"}) {
    SCOPED_TRACE(name);
    const StreamResult r = FeedWhole(ClientBytes(name));
    ASSERT_EQ(r.hellos.size(), 1u);
    EXPECT_FALSE(r.hellos[0].has_supported_versions);
    EXPECT_EQ(r.hellos[0].version, r.hellos[0].legacy_version);
    EXPECT_LT(r.hellos[0].version, 0x0303);
  }
}

TEST(FixtureSemanticsTest, ModernClientsOfferTls13OnlyThroughSupportedVersions) {
  for (const char* name : {"openssl-default", "curl-default", "gnutls-normal", "python-default"}) {
    SCOPED_TRACE(name);
    const StreamResult r = FeedWhole(ClientBytes(name));
    ASSERT_EQ(r.hellos.size(), 1u);
    EXPECT_TRUE(r.hellos[0].has_supported_versions);
    EXPECT_EQ(r.hellos[0].legacy_version, 0x0303);
    EXPECT_EQ(r.hellos[0].version, 0x0304);
  }
}

TEST(FixtureSemanticsTest, DowngradedServerSelectsTls10ThoughClientOffers13) {
  const StreamResult client = FeedWhole(ClientBytes("openssl-downgrade-tls1_0"));
  const StreamResult server = FeedWhole(ServerBytes("openssl-downgrade-tls1_0"));
  ASSERT_EQ(client.hellos.size(), 1u);
  ASSERT_EQ(server.hellos.size(), 1u);
  EXPECT_EQ(client.hellos[0].version, 0x0304);
  EXPECT_EQ(server.hellos[0].version, 0x0301);
  EXPECT_FALSE(server.hellos[0].has_supported_versions);
  EXPECT_EQ(server.state, StreamState::kStopped) << "Certificate follows the ServerHello";
}

TEST(FixtureSemanticsTest, RetryRequestFlowHasTwoClientHellosAndTheSecondServerHelloDecides) {
  const StreamResult client = FeedWhole(ClientBytes("openssl-hrr"));
  const StreamResult server = FeedWhole(ServerBytes("openssl-hrr"));
  ASSERT_EQ(client.hellos.size(), 2u);
  ASSERT_EQ(server.hellos.size(), 2u);
  EXPECT_TRUE(server.hellos[0].retry_request);
  EXPECT_FALSE(server.hellos[1].retry_request);
  EXPECT_EQ(server.hellos[1].version, 0x0304);
  EXPECT_EQ(client.hellos[1].version, 0x0304);
  EXPECT_EQ(client.hellos[1].sni, "nsfence.test");
  // The second ClientHello follows a ChangeCipherSpec record in the capture.
  const Bytes bytes = ClientBytes("openssl-hrr");
  ASSERT_GT(bytes.size(), client.hellos[0].end + 6);
  EXPECT_EQ(bytes[client.hellos[0].end], NSF_TLS_CONTENT_CCS);
}

TEST(FixtureSemanticsTest, LargeClientHelloIsOver4KiBAndParsed) {
  const Bytes bytes = ClientBytes("openssl-large-hello");
  const StreamResult r = FeedWhole(bytes);
  ASSERT_EQ(r.hellos.size(), 1u);
  EXPECT_GT(r.hellos[0].end, 4096u);
  EXPECT_EQ(r.hellos[0].version, 0x0304);
}

TEST(FixtureSemanticsTest, SplitRecordsClientHelloSpansManyRecords) {
  const Bytes bytes = ClientBytes("openssl-split-records");
  const StreamResult r = FeedWhole(bytes);
  ASSERT_EQ(r.hellos.size(), 1u);
  const size_t first_record = static_cast<size_t>(bytes[3]) << 8 | bytes[4];
  EXPECT_LE(first_record, 512u);
  EXPECT_GT(r.hellos[0].end, 8 * (first_record + 5)) << "the hello spans more than 8 records";
  EXPECT_EQ(r.hellos[0].version, 0x0304);
  EXPECT_EQ(r.hellos[0].sni, "nsfence.test");
}

}  // namespace
}  // namespace nsfence::tls
