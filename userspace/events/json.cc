#include "events/json.h"

#include "google/protobuf/util/json_util.h"

namespace nsfence::events {

std::string ToJsonLine(const Event& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // snake_case keys, stable across versions
  options.add_whitespace = false;
  std::string out;
  // Cannot fail for a message with only string, integer, repeated string and
  // Timestamp fields. Repeated fields print as arrays (["SYS_ADMIN"]), and like
  // empty strings and zeros, empty ones are left out.
  (void)google::protobuf::util::MessageToJsonString(event, &out, options);
  return out;
}

}  // namespace nsfence::events
