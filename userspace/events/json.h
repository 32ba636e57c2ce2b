// Events as JSON lines: one object per line, field names as in events.proto.
#ifndef NSFENCE_EVENTS_JSON_H_
#define NSFENCE_EVENTS_JSON_H_

#include <string>

#include "events/events.pb.h"

namespace nsfence::events {

// A single line without the trailing newline.
std::string ToJsonLine(const Event& event);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_JSON_H_
