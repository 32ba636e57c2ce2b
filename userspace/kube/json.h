// JSON objects of the API as google::protobuf::Struct, parsed and printed by
// Protobuf's JSON support, and the few lookups the client needs.
#ifndef NSFENCE_KUBE_JSON_H_
#define NSFENCE_KUBE_JSON_H_

#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace nsfence::kube {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// A JSON object; InvalidArgument naming `what` (e.g. "watch event from
// /api/v1/pods") and the parser's complaint otherwise.
absl::StatusOr<Struct> ParseJsonObject(absl::string_view text, absl::string_view what);

// Compact JSON text.
std::string ToJson(const Struct& object);

// The value at a path of field names ({"metadata", "name"}); null when a
// field is missing or a step is not an object.
const Value* FindPath(const Struct& object, std::initializer_list<absl::string_view> path);
// The string there; "" when absent or not a string.
std::string StringAt(const Struct& object, std::initializer_list<absl::string_view> path);
// The object there; null when absent or not an object.
const Struct* StructAt(const Struct& object, std::initializer_list<absl::string_view> path);
// The list there; null when absent or not a list.
const ListValue* ListAt(const Struct& object, std::initializer_list<absl::string_view> path);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_JSON_H_
