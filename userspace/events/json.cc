#include "events/json.h"

#include <string_view>

#include "google/protobuf/util/json_util.h"

namespace nsfence::events {
namespace {

// The proto3 JSON mapping prints 64-bit integers as strings ("count":"3");
// print `count` as the number it is. The match cannot be inside a string
// value: a quote there is escaped (\"), and the key must follow { or ,.
void UnquoteCount(std::string& json) {
  constexpr std::string_view kKey = "\"count\":\"";
  for (size_t at = json.find(kKey); at != std::string::npos; at = json.find(kKey, at + 1)) {
    if (at == 0 || (json[at - 1] != '{' && json[at - 1] != ',')) continue;
    const size_t open = at + kKey.size() - 1;
    size_t close = open + 1;
    while (close < json.size() && json[close] >= '0' && json[close] <= '9') ++close;
    if (close == open + 1 || close >= json.size() || json[close] != '"') continue;
    json.erase(close, 1);
    json.erase(open, 1);
    return;
  }
}

}  // namespace

std::string ToJsonLine(const Event& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // snake_case keys, stable across versions
  options.add_whitespace = false;
  std::string out;
  // Cannot fail for a message with only string, integer, repeated string and
  // Timestamp fields. Repeated fields print as arrays (["SYS_ADMIN"]), and like
  // empty strings and zeros, empty ones are left out.
  (void)google::protobuf::util::MessageToJsonString(event, &out, options);
  UnquoteCount(out);
  return out;
}

}  // namespace nsfence::events
