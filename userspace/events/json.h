// Events as JSON lines: one object per line, field names as in events.proto.
#ifndef NSFENCE_EVENTS_JSON_H_
#define NSFENCE_EVENTS_JSON_H_

#include <string>

#include "events/events.pb.h"

namespace nsfence::events {

// A single line without the trailing newline: the proto3 JSON mapping of
// `event` (google::protobuf::util::MessageToJsonString with the proto field
// names, no whitespace), except that `count` prints as a number. Written by
// hand, byte for byte what protobuf prints, for events whose strings hold
// printable ASCII and whose times are valid RFC 3339 times; any other event
// (and every event, should events.proto gain a field the hand-written
// printer does not know) is printed by protobuf itself.
std::string ToJsonLine(const Event& event);

// The same line, always printed by protobuf (the reference the hand-written
// printer is tested against).
std::string ToJsonLineWithProtobuf(const Event& event);

// False when events.proto has fields, or field types, that the hand-written
// printer does not know; ToJsonLine then always uses protobuf.
bool FastJsonCoversEventSchema();

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_JSON_H_
