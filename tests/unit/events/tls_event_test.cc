// TLS records: decoded by kind, enriched with the network fields plus the
// handshake's versions, SNI, reason and floor, printed as one JSON line.
#include <cstring>
#include <variant>

#include "events/decode.h"
#include "events/enrich.h"
#include "events/json.h"
#include "events/tls_names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/events/fake_directory.h"

namespace nsfence::events {
namespace {

// job-a/runner (a TLS client) offered at most TLS 1.1 to job-b/worker; the
// floor is 1.2.
nsfence_tls_event ClientOffersTooLittle() {
  nsfence_tls_event e{};
  e.net.hdr.kind = NSFENCE_EVENT_TLS;
  e.net.hdr.size = sizeof(e);
  e.net.hdr.boot_time_ns = 5'000'000'123ULL;
  e.net.cgroup_id = 99;
  e.net.socket_cookie = 777;
  e.net.identity = 300;
  e.net.peer_identity = 301;
  e.net.peer_kind = NSFENCE_PEER_POD;
  e.net.policy = 400;
  e.net.action = NSFENCE_ACTION_BLOCKED;
  e.net.direction = NSFENCE_DIR_EGRESS;
  e.net.protocol = 6;
  e.net.family = NSFENCE_FAMILY_V4;
  const uint8_t local[4] = {10, 0, 0, 2};
  const uint8_t peer[4] = {10, 0, 1, 7};
  std::memcpy(e.net.local_addr, local, 4);
  std::memcpy(e.net.peer_addr, peer, 4);
  e.net.local_port = 40000;
  e.net.peer_port = 443;
  e.offered_max_version = 0x0302;
  e.reason = NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR;
  e.floor = NSFENCE_TLS_1_2;
  std::strcpy(e.sni, "worker.job-b.svc");
  return e;
}

// Boot time 0 is the Unix epoch + 1 day.
const BootClock kClock(absl::Hours(24));

TEST(TlsDecodeTest, TlsKindDecodesAsTlsRecord) {
  const nsfence_tls_event raw = ClientOffersTooLittle();
  const absl::StatusOr<Record> r = DecodeRecord(&raw, sizeof(raw));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(std::holds_alternative<nsfence_tls_event>(*r));
  EXPECT_EQ(std::get<nsfence_tls_event>(*r).offered_max_version, 0x0302);
  EXPECT_EQ(NetworkPart(*r).socket_cookie, 777u);
}

TEST(TlsDecodeTest, RejectsShortTlsRecords) {
  const nsfence_tls_event raw = ClientOffersTooLittle();
  EXPECT_FALSE(DecodeRecord(&raw, sizeof(nsfence_network_event)).ok())
      << "a network-sized record of kind tls is truncated";
  nsfence_tls_event lying = raw;
  lying.net.hdr.size = sizeof(nsfence_network_event);
  EXPECT_FALSE(DecodeRecord(&lying, sizeof(lying)).ok());
  EXPECT_FALSE(DecodeNetworkEvent(&raw, sizeof(raw)).ok()) << "not a network event";
}

TEST(TlsDecodeTest, LongerRecordsOfALaterAbiAreReadUpToKnownFields) {
  struct {
    nsfence_tls_event e;
    char more[16];
  } grown{};
  grown.e = ClientOffersTooLittle();
  grown.e.net.hdr.size = sizeof(grown);
  const absl::StatusOr<Record> r = DecodeRecord(&grown, sizeof(grown));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(std::holds_alternative<nsfence_tls_event>(*r));
}

TEST(TlsJsonTest, ClientBelowFloorIsOneLineWithTheHandshakeFields) {
  const nsfence_tls_event raw = ClientOffersTooLittle();
  EXPECT_EQ(ToJsonLine(Enrich(Record(raw), FakeDirectory(), kClock)),
            R"({"time":"1970-01-02T00:00:05.000000123Z","kind":"tls","action":"blocked",)"
            R"("direction":"egress","namespace":"job-a","pod":"runner","protocol":"tcp",)"
            R"("src":"10.0.0.2:40000","dst":"10.0.1.7:443","peer_namespace":"job-b",)"
            R"("peer_pod":"worker","policy":"workflow-jobs","offered_max_version":"1.1",)"
            R"("sni":"worker.job-b.svc","reason":"client_offers_below_floor","min_version":"1.2","labels":["nsfence.io/tier=job"]})");
}

TEST(TlsJsonTest, ServerRoleAuditPutsTheClientAtTheSourceAndOmitsWhatWasNotSeen) {
  nsfence_tls_event raw = ClientOffersTooLittle();
  raw.net.action = NSFENCE_ACTION_AUDITED;
  raw.net.direction = NSFENCE_DIR_INGRESS;  // the pod is the TLS server
  raw.net.local_port = 8443;
  raw.net.peer_port = 51000;
  raw.offered_max_version = 0;
  raw.negotiated_version = 0x0300;
  raw.reason = NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR;
  raw.floor = NSFENCE_TLS_1_3;
  raw.sni[0] = '\0';
  EXPECT_EQ(ToJsonLine(Enrich(Record(raw), FakeDirectory(), kClock)),
            R"({"time":"1970-01-02T00:00:05.000000123Z","kind":"tls","action":"audited",)"
            R"("direction":"ingress","namespace":"job-a","pod":"runner","protocol":"tcp",)"
            R"("src":"10.0.1.7:51000","dst":"10.0.0.2:8443","peer_namespace":"job-b",)"
            R"("peer_pod":"worker","policy":"workflow-jobs","negotiated_version":"ssl3.0",)"
            R"("reason":"server_selected_below_floor","min_version":"1.3","labels":["nsfence.io/tier=job"]})");
}

TEST(TlsJsonTest, PlaintextOnRequireTlsHasNoVersions) {
  nsfence_tls_event raw = ClientOffersTooLittle();
  raw.offered_max_version = 0;
  raw.reason = NSFENCE_TLS_PLAINTEXT_ON_REQUIRE_TLS;
  raw.floor = NSFENCE_TLS_NONE;
  raw.sni[0] = '\0';
  const Event e = Enrich(Record(raw), FakeDirectory(), kClock);
  EXPECT_EQ(e.kind(), "tls");
  EXPECT_EQ(e.reason(), "plaintext_on_require_tls");
  const std::string line = ToJsonLine(e);
  EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("version")));
  EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("sni")));
}

TEST(TlsJsonTest, SniFillingTheWholeFieldIsCutAtItsEnd) {
  nsfence_tls_event raw = ClientOffersTooLittle();
  std::memset(raw.sni, 'a', sizeof(raw.sni));  // no NUL: the kernel truncated it
  EXPECT_EQ(Enrich(raw, FakeDirectory(), kClock).sni(), std::string(NSFENCE_SNI_LEN, 'a'));
}

TEST(TlsNamesTest, VersionsReasonsAndFloors) {
  EXPECT_EQ(TlsVersionName(0x0301), "1.0");
  EXPECT_EQ(TlsVersionName(0x0302), "1.1");
  EXPECT_EQ(TlsVersionName(0x0303), "1.2");
  EXPECT_EQ(TlsVersionName(0x0304), "1.3");
  EXPECT_EQ(TlsVersionName(0x0300), "ssl3.0");
  EXPECT_EQ(TlsVersionName(0x0002), "ssl2.0");
  EXPECT_EQ(TlsVersionName(0x7f1c), "0x7f1c") << "e.g. a TLS 1.3 draft";
  EXPECT_EQ(TlsVersionName(0), "");
  EXPECT_EQ(TlsFloorName(NSFENCE_TLS_1_0), "1.0");
  EXPECT_EQ(TlsFloorName(NSFENCE_TLS_1_3), "1.3");
  EXPECT_EQ(TlsFloorName(NSFENCE_TLS_NONE), "");
  EXPECT_EQ(TlsReasonName(NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR), "client_offers_below_floor");
  EXPECT_EQ(TlsReasonName(NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR), "server_selected_below_floor");
  EXPECT_EQ(TlsReasonName(NSFENCE_TLS_PLAINTEXT_ON_REQUIRE_TLS), "plaintext_on_require_tls");
  EXPECT_EQ(TlsReasonName(NSFENCE_TLS_SESSION_BELOW_FLOOR), "session_below_floor");
  EXPECT_EQ(TlsReasonName(9), "unknown_9");
}

}  // namespace
}  // namespace nsfence::events
