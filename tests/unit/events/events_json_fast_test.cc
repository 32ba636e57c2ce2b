// The event pipeline's fast paths against the slow ones they replace: the
// hand-written JSON printer (events/json.h) against protobuf's, byte for
// byte the same line for every event, whichever of them prints it; and
// enrichment's own address formatting against IpAddress::WithPort.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "events/enrich.h"
#include "events/json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "unit/events/fake_directory.h"

namespace nsfence::events {
namespace {

using google::protobuf::FieldDescriptor;

void ExpectSameLine(const Event& event) {
  EXPECT_EQ(ToJsonLine(event), ToJsonLineWithProtobuf(event)) << event.ShortDebugString();
}

void SetTime(google::protobuf::Timestamp* t, int64_t seconds, int32_t nanos) {
  t->set_seconds(seconds);
  t->set_nanos(nanos);
}

// Every string field of Event set to `value` through reflection (repeated
// ones get it twice), so a field added to events.proto is covered too.
void SetEveryString(Event& event, const std::string& value) {
  const google::protobuf::Descriptor* d = Event::descriptor();
  const google::protobuf::Reflection* r = Event::GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->type() != FieldDescriptor::TYPE_STRING) continue;
    if (f->is_repeated()) {
      r->AddString(&event, f, value);
      r->AddString(&event, f, value);
    } else {
      r->SetString(&event, f, value);
    }
  }
}

Event NetworkEvent() {
  Event e;
  SetTime(e.mutable_time(), 1796123881, 879113110);
  e.set_kind("network");
  e.set_action("blocked");
  e.set_direction("egress");
  e.set_namespace_("job-a");
  e.set_pod("runner");
  e.set_pid(4181);
  e.set_comm("nsfence-netprob");
  e.set_protocol("tcp");
  e.set_src("10.200.1.2:0");
  e.set_dst("10.200.2.2:8080");
  e.set_peer_namespace("job-b");
  e.set_peer_pod("worker");
  e.set_policy("workflow-jobs");
  e.set_count(1);
  return e;
}

TEST(FastJsonTest, KnowsEveryFieldOfTheSchema) {
  // A field added to events.proto needs a line in json.cc's kFields; until
  // then every event is printed by protobuf (correct, but slow).
  EXPECT_TRUE(FastJsonCoversEventSchema());
}

TEST(FastJsonTest, PrintsTheREADMEExampleLikeProtobuf) {
  const Event e = NetworkEvent();
  EXPECT_EQ(ToJsonLine(e),
            R"({"time":"2026-12-01T11:18:01.879113110Z","kind":"network","action":"blocked",)"
            R"("direction":"egress","namespace":"job-a","pod":"runner","pid":4181,)"
            R"("comm":"nsfence-netprob","protocol":"tcp","src":"10.200.1.2:0",)"
            R"("dst":"10.200.2.2:8080","peer_namespace":"job-b","peer_pod":"worker",)"
            R"("policy":"workflow-jobs","count":1})");
  ExpectSameLine(e);
}

TEST(FastJsonTest, EveryKindOfEvent) {
  ExpectSameLine(Event());
  ExpectSameLine(NetworkEvent());

  Event tls = NetworkEvent();
  tls.set_kind("tls");
  tls.set_offered_max_version("1.1");
  tls.set_negotiated_version("0x0301");
  tls.set_sni("legacy.example.com");
  tls.set_reason("client_offers_below_floor");
  tls.set_min_version("1.2");
  ExpectSameLine(tls);

  Event privileged;
  SetTime(privileged.mutable_time(), 1796100430, 118203311);
  privileged.set_kind("privileged");
  privileged.set_action("blocked");
  privileged.set_namespace_("job-a");
  privileged.set_pod("runner");
  privileged.set_pid(31822);
  privileged.set_comm("runc:[2:INIT]");
  privileged.set_policy("workflow-jobs");
  privileged.set_container("4f1c9e0b7d2a");
  privileged.add_capabilities("NET_ADMIN");
  privileged.add_capabilities("SYS_ADMIN");
  privileged.add_host_namespaces("pid");
  privileged.set_backend("lsm");
  privileged.set_filename("/usr/bin/sleep");
  privileged.set_count(1);
  ExpectSameLine(privileged);

  Event device = privileged;
  device.set_kind("device");
  device.clear_capabilities();
  device.clear_host_namespaces();
  device.clear_backend();
  device.clear_filename();
  device.set_device("block 7:3");
  device.set_access("read,write");
  ExpectSameLine(device);

  Event summary = NetworkEvent();
  summary.set_count(39);
  SetTime(summary.mutable_first_time(), 1796123881, 953018220);
  SetTime(summary.mutable_last_time(), 1796123884, 902311775);
  ExpectSameLine(summary);

  Event suppressed;
  SetTime(suppressed.mutable_time(), 1796124000, 4118902);
  suppressed.set_kind("suppressed");
  suppressed.set_namespace_("job-a");
  suppressed.set_count(8123);
  SetTime(suppressed.mutable_first_time(), 1796123999, 1230114);
  SetTime(suppressed.mutable_last_time(), 1796123999, 998706551);
  ExpectSameLine(suppressed);

  Event largest = NetworkEvent();
  largest.set_pid(UINT32_MAX);
  largest.set_count(UINT64_MAX);
  SetEveryString(largest, "x");
  largest.mutable_first_time();  // present, zero
  ExpectSameLine(largest);
}

TEST(FastJsonTest, EveryByteInEveryStringField) {
  // Protobuf logs every string that is not UTF-8 when it prints it.
  const google::protobuf::LogSilencer quiet;
  for (int c = 0; c < 256; ++c) {
    Event e = NetworkEvent();
    SetEveryString(e, std::string(1, static_cast<char>(c)));
    ExpectSameLine(e);
    Event around = NetworkEvent();
    SetEveryString(around, std::string("a") + static_cast<char>(c) + "z");
    ExpectSameLine(around);
  }
}

TEST(FastJsonTest, EscapesLikeProtobuf) {
  const google::protobuf::LogSilencer quiet;
  Event e = NetworkEvent();
  e.set_comm(R"(a"b\c<d>e)");
  EXPECT_NE(ToJsonLine(e).find(R"("comm":"a\"b\\c\u003cd\u003ee")"), std::string::npos)
      << ToJsonLine(e);
  ExpectSameLine(e);
  e.set_sni("caf\xc3\xa9 \xe2\x80\xa8 \xff\x01");  // UTF-8, U+2028, invalid bytes: protobuf's call
  ExpectSameLine(e);
}

TEST(FastJsonTest, TimesAcrossTheirRangeAndBeyond) {
  const std::vector<int64_t> seconds = {
      0, 1, -1, 59, 60, 3599, 3600, 86399, 86400, -86400, -86401,
      951782400,      // 2000-02-29
      951868800,      // 2000-03-01
      4107542400,     // 2100-02-28 .. a year that is not a leap year
      1796123881, -62135596800, -62135596801, 253402300799, 253402300800,
      -2208988800,    // 1900-01-01
      -12219292800,   // 1582-10-15
  };
  const std::vector<int32_t> nanos = {0, 1, 10, 999, 1000, 1001, 999000, 1000000, 1500000,
                                      100000000, 120000000, 123456789, 999999999, -1, 1000000000};
  for (int64_t s : seconds) {
    for (int32_t n : nanos) {
      Event e;
      SetTime(e.mutable_time(), s, n);
      e.set_kind("network");
      ExpectSameLine(e);
      Event last = NetworkEvent();
      SetTime(last.mutable_last_time(), s, n);
      ExpectSameLine(last);
    }
  }
  std::mt19937_64 random(5);
  std::uniform_int_distribution<int64_t> any_second(-62135596800, 253402300799);
  std::uniform_int_distribution<int32_t> any_nano(0, 999999999);
  for (int i = 0; i < 20000; ++i) {
    Event e;
    SetTime(e.mutable_time(), any_second(random), i % 4 == 0 ? 0 : any_nano(random));
    ExpectSameLine(e);
  }
}

TEST(FastJsonTest, RandomEvents) {
  const google::protobuf::LogSilencer quiet;
  std::mt19937 random(11);
  const std::string alphabet = "abcXYZ019 -_.:/[]{}\"\\<>&'=\t\x7f\xc3\xa9";
  const auto any_string = [&] {
    std::string s(random() % 6, ' ');
    for (char& c : s) c = alphabet[random() % alphabet.size()];
    return s;
  };
  const google::protobuf::Descriptor* d = Event::descriptor();
  const google::protobuf::Reflection* r = Event::GetReflection();
  for (int i = 0; i < 20000; ++i) {
    Event e;
    for (int f = 0; f < d->field_count(); ++f) {
      if (random() % 3 == 0) continue;
      const FieldDescriptor* field = d->field(f);
      switch (field->type()) {
        case FieldDescriptor::TYPE_STRING:
          if (field->is_repeated()) {
            for (int n = static_cast<int>(random() % 3); n > 0; --n) r->AddString(&e, field, any_string());
          } else {
            r->SetString(&e, field, any_string());
          }
          break;
        case FieldDescriptor::TYPE_UINT32:
          r->SetUInt32(&e, field, random() % 2 == 0 ? 0 : static_cast<uint32_t>(random()));
          break;
        case FieldDescriptor::TYPE_UINT64:
          r->SetUInt64(&e, field, random() % 2 == 0 ? 0 : (static_cast<uint64_t>(random()) << 32) | random());
          break;
        case FieldDescriptor::TYPE_MESSAGE: {
          auto* t = static_cast<google::protobuf::Timestamp*>(r->MutableMessage(&e, field));
          SetTime(t, static_cast<int64_t>(random() % 4000000000U), static_cast<int32_t>(random() % 1000000000));
          break;
        }
        default:
          ADD_FAILURE() << "field type of " << field->name() << " not exercised";
      }
    }
    ExpectSameLine(e);
  }
}

TEST(FastEnrichTest, AddressesWithPortsAsIpAddressPrintsThem) {
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i) {
    nsfence_network_event r{};
    r.hdr.kind = NSFENCE_EVENT_NETWORK;
    r.hdr.size = sizeof(r);
    r.cgroup_id = 99;
    r.identity = 300;
    r.direction = i % 2 == 0 ? NSFENCE_DIR_EGRESS : NSFENCE_DIR_INGRESS;
    r.protocol = 17;
    r.family = i % 5 == 0 ? NSFENCE_FAMILY_V6 : NSFENCE_FAMILY_V4;
    // Edges first: 255.255.255.255, 0.0.0.0 (as the peer), ports 0 and 65535.
    for (uint8_t& b : r.local_addr) b = static_cast<uint8_t>(i < 4 ? 255 : random());
    for (uint8_t& b : r.peer_addr) b = static_cast<uint8_t>(i < 4 ? 0 : random());
    r.local_port = static_cast<uint16_t>(i < 4 ? 0 : random());
    r.peer_port = static_cast<uint16_t>(i < 4 ? 65535 : random());
    const IpFamily family = r.family == NSFENCE_FAMILY_V4 ? IpFamily::kV4 : IpFamily::kV6;
    const IpAddress local(family, r.local_addr), peer(family, r.peer_addr);
    // An unspecified local address is the pod's (enrich_test.cc covers that).
    if (local.is_unspecified()) continue;
    const Event e = Enrich(r, FakeDirectory(), BootClock(absl::ZeroDuration()));
    const bool egress = r.direction == NSFENCE_DIR_EGRESS;
    EXPECT_EQ(egress ? e.src() : e.dst(), local.WithPort(r.local_port));
    EXPECT_EQ(egress ? e.dst() : e.src(), peer.WithPort(r.peer_port));
  }
}

}  // namespace
}  // namespace nsfence::events
