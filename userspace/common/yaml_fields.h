// Strict, position-aware reading of YAML documents on top of yaml-cpp: only
// known fields, no field twice, scalars of the expected type. Every problem
// becomes a Diagnostic at file:line:column naming the field by its path
// (e.g. "spec.network.egress[0].ports[1].port") and saying what was expected
// and what was found. Readers report and go on, returning what could be read
// (std::nullopt when nothing could), so that every problem of a file is
// reported, not only the first: a file is valid when no diagnostic was added.
#ifndef NSFENCE_COMMON_YAML_FIELDS_H_
#define NSFENCE_COMMON_YAML_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/diagnostic.h"
#include "common/labels.h"
#include "yaml-cpp/yaml.h"

namespace nsfence {

// A node of a document with the path that names it in messages ("" for a
// document root) and where it is.
class YamlValue {
 public:
  // YAML::Node is a shared handle with no move constructor: copied.
  YamlValue(const YAML::Node& node, std::string path, SourcePos pos)
      : node_(node), path_(std::move(path)), pos_(std::move(pos)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  // Of the value; of its key when the value is empty (yaml-cpp places empty
  // values at the next token, which may be lines away).
  const SourcePos& pos() const { return pos_; }

 private:
  YAML::Node node_;
  std::string path_;
  SourcePos pos_;
};

// A field that is known but refused, with the reason reported as
// "<path>: <reason>", e.g. {"namespace", "not allowed: the object is cluster-scoped"}.
struct RefusedField {
  absl::string_view name;
  absl::string_view reason;
};

class YamlReader;

// Validates a piece of text, e.g. CheckDnsLabel.
using TextCheck = absl::Status (*)(absl::string_view);

// Kubernetes name syntax. Each returns InvalidArgument with a message that
// quotes the text and states the rule.
// A DNS-1123 label: at most 63 of [a-z0-9-], starting and ending alphanumeric.
absl::Status CheckDnsLabel(absl::string_view text);
// A DNS-1123 subdomain: at most 253 characters, dot-separated DNS labels.
absl::Status CheckDnsSubdomain(absl::string_view text);
// [prefix/]name: prefix a DNS subdomain; name at most 63 of [A-Za-z0-9._-],
// starting and ending alphanumeric.
absl::Status CheckLabelKey(absl::string_view text);
// Empty, or at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric.
absl::Status CheckLabelValue(absl::string_view text);

// The fields of a mapping that YamlReader::ReadMapping checked.
class YamlMapping {
 public:
  // The field's value; nullopt when absent or null (null means absent, as in
  // Kubernetes).
  std::optional<YamlValue> Get(absl::string_view name) const;
  // Same, reporting a missing or empty required field.
  std::optional<YamlValue> Require(absl::string_view name) const;

 private:
  friend class YamlReader;
  struct Field {
    std::string name;
    SourcePos name_pos;
    YamlValue value;
  };
  YamlMapping(YamlReader* reader, YamlValue value, std::vector<Field> fields)
      : reader_(reader), value_(std::move(value)), fields_(std::move(fields)) {}
  const Field* Find(absl::string_view name) const;

  YamlReader* reader_;
  YamlValue value_;
  std::vector<Field> fields_;
};

// Reads the documents of one file, reporting problems to a Diagnostics sink
// that must outlive the reader.
class YamlReader {
 public:
  YamlReader(absl::string_view file, Diagnostics* diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  // The non-empty documents of `text`; nullopt, after reporting it at its
  // position, for a syntax error.
  std::optional<std::vector<YamlValue>> LoadDocuments(absl::string_view text);

  const std::string& file() const { return file_; }
  // yaml-cpp marks are 0-based; SourcePos is 1-based (0 when unknown).
  SourcePos Pos(const YAML::Mark& mark) const;

  // Reports "<path>: <message>" (just the message at a document root).
  void Error(const YamlValue& at, absl::string_view message);
  void Error(const SourcePos& pos, std::string message);

  // A mapping with only `known` fields, none of them twice. Unknown, refused
  // and repeated fields are reported and left out of the result.
  std::optional<YamlMapping> ReadMapping(const YamlValue& value,
                                         std::initializer_list<absl::string_view> known,
                                         std::initializer_list<RefusedField> refused = {});
  // The items of a sequence, each with its path ("ports[1]"); none when the
  // value is not a sequence.
  std::vector<YamlValue> ReadSequence(const YamlValue& value);
  // Any scalar, quoted or not.
  std::optional<std::string> ReadString(const YamlValue& value);
  // An unquoted integer in [min, max]. `hint` is added when the value is not
  // an integer at all, e.g. "named ports are not supported, use a number".
  std::optional<int64_t> ReadInt(const YamlValue& value, int64_t min, int64_t max,
                                 absl::string_view hint = "");
  std::optional<bool> ReadBool(const YamlValue& value);
  // Exactly `expected` (e.g. an apiVersion).
  bool ReadExact(const YamlValue& value, absl::string_view expected) {
    return ReadChoice(value, {expected}).has_value();
  }
  // One of `choices`, spelled exactly.
  template <typename T>
  std::optional<T> ReadEnum(const YamlValue& value,
                            std::initializer_list<std::pair<absl::string_view, T>> choices);
  // A string that passes `check` (one of the Check* functions below).
  std::optional<std::string> ReadChecked(const YamlValue& value, TextCheck check);
  // A string that `parse` accepts, e.g. Cidr::Parse; its error is reported.
  template <typename T>
  std::optional<T> ReadParsed(const YamlValue& value,
                              absl::StatusOr<T> (*parse)(absl::string_view));
  // A mapping of strings to strings, keys and values passing the checks when
  // given; bad and repeated entries are reported and left out. A null value
  // is the empty string.
  std::optional<std::map<std::string, std::string>> ReadStringMap(const YamlValue& value,
                                                                  TextCheck key_check = nullptr,
                                                                  TextCheck value_check = nullptr);
  // Kubernetes labels: keys and values of label syntax.
  std::optional<Labels> ReadLabels(const YamlValue& value) {
    return ReadStringMap(value, CheckLabelKey, CheckLabelValue);
  }

 private:
  std::optional<size_t> ReadChoice(const YamlValue& value,
                                   absl::Span<const absl::string_view> names);
  // The entries of a mapping; repeated ones are reported and dropped. Keys are
  // the fields of an object, or free-form (labels).
  std::optional<std::vector<YamlMapping::Field>> ReadEntries(const YamlValue& value,
                                                             bool keys_are_fields);

  std::string file_;
  Diagnostics* diagnostics_;
};

template <typename T>
std::optional<T> YamlReader::ReadEnum(
    const YamlValue& value, std::initializer_list<std::pair<absl::string_view, T>> choices) {
  std::vector<absl::string_view> names;
  for (const auto& choice : choices) names.push_back(choice.first);
  const std::optional<size_t> index = ReadChoice(value, names);
  if (!index) return std::nullopt;
  return (choices.begin() + *index)->second;
}

template <typename T>
std::optional<T> YamlReader::ReadParsed(const YamlValue& value,
                                        absl::StatusOr<T> (*parse)(absl::string_view)) {
  std::optional<std::string> text = ReadString(value);
  if (!text) return std::nullopt;
  absl::StatusOr<T> parsed = parse(*text);
  if (!parsed.ok()) {
    Error(value, parsed.status().message());
    return std::nullopt;
  }
  return *std::move(parsed);
}

// Orders one file's diagnostics top to bottom (they are found field by field).
void SortByPosition(Diagnostics* diagnostics);

// "file: <strerror(err)>", for a file that cannot be read or listed.
Diagnostic FileErrorDiagnostic(const std::string& file, int err);

// The whole content of a file; a failure is reported as FileErrorDiagnostic.
std::optional<std::string> ReadFileText(const std::string& path, Diagnostics* diagnostics);

}  // namespace nsfence

#endif  // NSFENCE_COMMON_YAML_FIELDS_H_
