#include "events/enrich.h"

#include <cstring>
#include <variant>

#include "events/decode.h"
#include "events/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/events/fake_directory.h"

namespace nsfence::events {
namespace {

nsfence_network_event NetworkRecord() {
  nsfence_network_event e{};
  e.hdr.kind = NSFENCE_EVENT_NETWORK;
  e.hdr.size = sizeof(e);
  e.hdr.boot_time_ns = 5'000'000'123ULL;
  e.cgroup_id = 99;
  e.identity = 300;
  e.peer_identity = 301;
  e.peer_kind = NSFENCE_PEER_POD;
  e.policy = 400;
  e.pid = 4242;
  std::strcpy(e.comm, "curl");
  e.action = NSFENCE_ACTION_BLOCKED;
  e.direction = NSFENCE_DIR_EGRESS;
  e.protocol = 6;
  e.family = NSFENCE_FAMILY_V4;
  const uint8_t peer[4] = {10, 0, 1, 7};
  std::memcpy(e.peer_addr, peer, 4);
  e.peer_port = 8080;
  return e;
}

// Boot time 0 is the Unix epoch + 1 day.
const BootClock kClock(absl::Hours(24));

TEST(EnrichTest, EgressRecordNamesBothSides) {
  const Event e = Enrich(NetworkRecord(), FakeDirectory(), kClock);
  EXPECT_EQ(e.kind(), "network");
  EXPECT_EQ(e.action(), "blocked");
  EXPECT_EQ(e.direction(), "egress");
  EXPECT_EQ(e.namespace_(), "job-a");
  EXPECT_EQ(e.pod(), "runner");
  EXPECT_EQ(e.pid(), 4242u);
  EXPECT_EQ(e.comm(), "curl");
  EXPECT_EQ(e.protocol(), "tcp");
  EXPECT_EQ(e.src(), "10.0.0.2:0") << "unbound source: the pod's address, port 0";
  EXPECT_EQ(e.dst(), "10.0.1.7:8080");
  EXPECT_EQ(e.peer_namespace(), "job-b");
  EXPECT_EQ(e.peer_pod(), "worker");
  EXPECT_EQ(e.policy(), "workflow-jobs");
  EXPECT_EQ(e.time().seconds(), 86400 + 5);
  EXPECT_EQ(e.time().nanos(), 123);
}

TEST(EnrichTest, RecordsCarryTheLabelsThePolicySelectsBy) {
  const Event e = Enrich(Record(NetworkRecord()), FakeDirectory(), kClock);
  EXPECT_THAT(e.labels(), ::testing::ElementsAre("nsfence.io/tier=job"));
  EXPECT_THAT(ToJsonLine(e), ::testing::HasSubstr(R"("labels":["nsfence.io/tier=job"])"));
  nsfence_network_event unnamed = NetworkRecord();
  unnamed.policy = 0;
  EXPECT_THAT(Enrich(Record(unnamed), FakeDirectory(), kClock).labels(), ::testing::IsEmpty());
}

TEST(EnrichTest, IngressRecordPutsThePeerAtTheSource) {
  nsfence_network_event r = NetworkRecord();
  r.direction = NSFENCE_DIR_INGRESS;
  r.pid = 0;
  r.family = NSFENCE_FAMILY_V6;
  std::memset(r.peer_addr, 0, 16);
  r.peer_addr[0] = 0x20;
  r.peer_addr[1] = 0x01;
  r.peer_addr[2] = 0x0d;
  r.peer_addr[3] = 0xb8;
  r.peer_addr[15] = 9;
  r.peer_kind = NSFENCE_PEER_WORLD;
  r.peer_port = 51000;
  const uint8_t local[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::memcpy(r.local_addr, local, 16);
  r.local_port = 9090;
  const Event e = Enrich(r, FakeDirectory(), kClock);
  EXPECT_EQ(e.direction(), "ingress");
  EXPECT_EQ(e.src(), "[2001:db8::9]:51000");
  EXPECT_EQ(e.dst(), "[fd00::2]:9090");
  EXPECT_EQ(e.peer_namespace(), "world");
  EXPECT_EQ(e.peer_pod(), "");
  EXPECT_EQ(e.pid(), 0u);
  EXPECT_EQ(e.comm(), "");
}

TEST(EnrichTest, UnknownCgroupFallsBackToTheIdentitysNamespace) {
  nsfence_network_event r = NetworkRecord();
  r.cgroup_id = 1;
  r.peer_kind = NSFENCE_PEER_HOST;
  const Event e = Enrich(r, FakeDirectory(), kClock);
  EXPECT_EQ(e.namespace_(), "job-a");
  EXPECT_EQ(e.pod(), "");
  EXPECT_EQ(e.peer_namespace(), "host");
}

TEST(JsonTest, OneLineWithSnakeCaseFieldsInSchemaOrder) {
  const std::string line = ToJsonLine(Enrich(NetworkRecord(), FakeDirectory(), kClock));
  EXPECT_EQ(line,
            R"({"time":"1970-01-02T00:00:05.000000123Z","kind":"network","action":"blocked",)"
            R"("direction":"egress","namespace":"job-a","pod":"runner","pid":4242,"comm":"curl",)"
            R"("protocol":"tcp","src":"10.0.0.2:0","dst":"10.0.1.7:8080","peer_namespace":"job-b",)"
            R"("peer_pod":"worker","policy":"workflow-jobs"})");
}

TEST(DecodeTest, RejectsShortAndForeignRecords) {
  const nsfence_network_event r = NetworkRecord();
  EXPECT_TRUE(DecodeNetworkEvent(&r, sizeof(r)).ok());
  EXPECT_FALSE(DecodeNetworkEvent(&r, sizeof(r) - 1).ok());
  EXPECT_FALSE(DecodeNetworkEvent(&r, 4).ok());
  nsfence_network_event other = r;
  other.hdr.kind = 77;
  EXPECT_FALSE(DecodeNetworkEvent(&other, sizeof(other)).ok());
  EXPECT_FALSE(DecodeRecord(&other, sizeof(other)).ok()) << "unknown kinds are counted, not printed";
}

TEST(DecodeTest, NetworkRecordDecodesAsNetworkKind) {
  const nsfence_network_event r = NetworkRecord();
  const absl::StatusOr<Record> d = DecodeRecord(&r, sizeof(r));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(std::holds_alternative<nsfence_network_event>(*d));
  EXPECT_EQ(NetworkPart(*d).cgroup_id, 99u);
}

}  // namespace
}  // namespace nsfence::events
