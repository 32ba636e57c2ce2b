#include "kube/json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::kube {

absl::StatusOr<Struct> ParseJsonObject(absl::string_view text, absl::string_view what) {
  Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &object);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a JSON object: ", status.message().as_string()));
  }
  return object;
}

std::string ToJson(const Struct& object) {
  std::string text;
  // Printing a Struct cannot fail: it holds only JSON values.
  (void)google::protobuf::util::MessageToJsonString(object, &text);
  return text;
}

const Value* FindPath(const Struct& object, std::initializer_list<absl::string_view> path) {
  const Struct* current = &object;
  const Value* value = nullptr;
  for (const absl::string_view name : path) {
    if (current == nullptr) return nullptr;
    const auto it = current->fields().find(std::string(name));
    if (it == current->fields().end()) return nullptr;
    value = &it->second;
    current = value->has_struct_value() ? &value->struct_value() : nullptr;
  }
  return value;
}

std::string StringAt(const Struct& object, std::initializer_list<absl::string_view> path) {
  const Value* value = FindPath(object, path);
  return value != nullptr && value->has_string_value() ? value->string_value() : "";
}

const Struct* StructAt(const Struct& object, std::initializer_list<absl::string_view> path) {
  const Value* value = FindPath(object, path);
  return value != nullptr && value->has_struct_value() ? &value->struct_value() : nullptr;
}

const ListValue* ListAt(const Struct& object, std::initializer_list<absl::string_view> path) {
  const Value* value = FindPath(object, path);
  return value != nullptr && value->has_list_value() ? &value->list_value() : nullptr;
}

}  // namespace nsfence::kube
