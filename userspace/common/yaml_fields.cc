#include "common/yaml_fields.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace nsfence {
namespace {

// yaml-cpp tags quoted scalars "!" and leaves plain ones "?".
bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

bool IsPlainInteger(const YAML::Node& node) {
  if (!IsPlainScalar(node)) return false;
  absl::string_view digits = node.Scalar();
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// What a value is, for "expected X, got Y".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      break;
  }
  if (IsPlainInteger(node)) return node.Scalar();
  return absl::StrCat("\"", node.Scalar(), "\"");
}

std::string ChildPath(absl::string_view parent, absl::string_view name) {
  return parent.empty() ? std::string(name) : absl::StrCat(parent, ".", name);
}

// Where the path is named in "unknown field X in <path>".
std::string InPath(absl::string_view path) {
  return path.empty() ? "" : absl::StrCat(" in ", path);
}

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// At most `max` characters of `allowed`, starting and ending alphanumeric.
bool IsToken(absl::string_view text, size_t max, bool (*allowed)(char)) {
  return !text.empty() && text.size() <= max && IsAlnum(text.front()) && IsAlnum(text.back()) &&
         std::all_of(text.begin(), text.end(), allowed);
}

bool IsDnsChar(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-'; }
bool IsLabelChar(char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; }

bool IsDnsLabel(absl::string_view text) {
  // Alphanumeric here means lowercase: IsDnsChar admits no capitals.
  return IsToken(text, 63, IsDnsChar);
}

bool IsDnsSubdomain(absl::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    if (!IsToken(part, text.size(), IsDnsChar)) return false;
  }
  return true;
}

constexpr char kLabelNameRule[] =
    "at most 63 characters of A-Z, a-z, 0-9, '-', '_' and '.', starting and ending with a letter "
    "or digit";

}  // namespace

std::optional<YamlValue> YamlMapping::Get(absl::string_view name) const {
  const Field* field = Find(name);
  if (field == nullptr || field->value.node().IsNull()) return std::nullopt;
  return field->value;
}

std::optional<YamlValue> YamlMapping::Require(absl::string_view name) const {
  const Field* field = Find(name);
  if (field == nullptr) {
    reader_->Error(value_.pos(),
                   absl::StrCat("missing required field \"", name, "\"", InPath(value_.path())));
    return std::nullopt;
  }
  if (field->value.node().IsNull()) {
    reader_->Error(field->value, "required field is empty");
    return std::nullopt;
  }
  return field->value;
}

const YamlMapping::Field* YamlMapping::Find(absl::string_view name) const {
  for (const Field& field : fields_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::optional<std::vector<YamlValue>> YamlReader::LoadDocuments(absl::string_view text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    Error(Pos(e.mark), absl::StrCat("YAML syntax error: ", e.msg));
    return std::nullopt;
  }
  std::vector<YamlValue> documents;
  for (YAML::Node& node : nodes) {
    if (node.IsNull()) continue;
    SourcePos pos = Pos(node.Mark());
    documents.emplace_back(std::move(node), "", std::move(pos));
  }
  return documents;
}

SourcePos YamlReader::Pos(const YAML::Mark& mark) const {
  if (mark.line < 0) return SourcePos{file_};
  return SourcePos{file_, mark.line + 1, mark.column + 1};
}

void YamlReader::Error(const YamlValue& at, absl::string_view message) {
  Error(at.pos(),
        at.path().empty() ? std::string(message) : absl::StrCat(at.path(), ": ", message));
}

void YamlReader::Error(const SourcePos& pos, std::string message) {
  diagnostics_->push_back(Diagnostic{pos, std::move(message)});
}

std::optional<std::vector<YamlMapping::Field>> YamlReader::ReadEntries(const YamlValue& value,
                                                                       bool keys_are_fields) {
  const absl::string_view noun = keys_are_fields ? "field" : "key";
  if (!value.node().IsMap()) {
    Error(value, absl::StrCat("expected a mapping, got ", Describe(value.node())));
    return std::nullopt;
  }
  std::vector<YamlMapping::Field> fields;
  for (auto it = value.node().begin(); it != value.node().end(); ++it) {
    const SourcePos name_pos = Pos(it->first.Mark());
    if (!it->first.IsScalar()) {
      Error(name_pos, absl::StrCat("expected a ", noun, " name", InPath(value.path()), ", got ",
                                   Describe(it->first)));
      continue;
    }
    const std::string& name = it->first.Scalar();
    const auto first = std::find_if(fields.begin(), fields.end(),
                                    [&](const YamlMapping::Field& f) { return f.name == name; });
    if (first != fields.end()) {
      Error(name_pos, absl::StrCat("duplicate ", noun, " \"", name, "\"", InPath(value.path()),
                                   " (first at ", first->name_pos.ToString(), ")"));
      continue;
    }
    // Free-form keys (labels) read better as path["key"] than path.key.
    std::string path = keys_are_fields ? ChildPath(value.path(), name)
                                       : absl::StrCat(value.path(), "[\"", name, "\"]");
    SourcePos pos = it->second.IsNull() ? name_pos : Pos(it->second.Mark());
    fields.push_back({name, name_pos, YamlValue(it->second, std::move(path), std::move(pos))});
  }
  return fields;
}

std::optional<YamlMapping> YamlReader::ReadMapping(const YamlValue& value,
                                                   std::initializer_list<absl::string_view> known,
                                                   std::initializer_list<RefusedField> refused) {
  std::optional<std::vector<YamlMapping::Field>> entries =
      ReadEntries(value, /*keys_are_fields=*/true);
  if (!entries) return std::nullopt;
  std::vector<YamlMapping::Field> fields;
  for (YamlMapping::Field& field : *entries) {
    if (std::find(known.begin(), known.end(), field.name) != known.end()) {
      fields.push_back(std::move(field));
      continue;
    }
    const auto refusal = std::find_if(refused.begin(), refused.end(),
                                      [&](const RefusedField& r) { return r.name == field.name; });
    if (refusal != refused.end()) {
      Error(field.name_pos, absl::StrCat(field.value.path(), ": ", refusal->reason));
    } else {
      Error(field.name_pos, absl::StrCat("unknown field \"", field.name, "\"", InPath(value.path()),
                                         " (expected one of: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return YamlMapping(this, value, std::move(fields));
}

std::vector<YamlValue> YamlReader::ReadSequence(const YamlValue& value) {
  if (!value.node().IsSequence()) {
    Error(value, absl::StrCat("expected a sequence, got ", Describe(value.node())));
    return {};
  }
  std::vector<YamlValue> items;
  for (const YAML::Node& item : value.node()) {
    SourcePos pos = item.IsNull() ? value.pos() : Pos(item.Mark());
    items.emplace_back(item, absl::StrCat(value.path(), "[", items.size(), "]"), std::move(pos));
  }
  return items;
}

std::optional<std::string> YamlReader::ReadString(const YamlValue& value) {
  if (!value.node().IsScalar()) {
    Error(value, absl::StrCat("expected a string, got ", Describe(value.node())));
    return std::nullopt;
  }
  return value.node().Scalar();
}

std::optional<int64_t> YamlReader::ReadInt(const YamlValue& value, int64_t min, int64_t max,
                                           absl::string_view hint) {
  int64_t n = 0;
  const bool is_integer = IsPlainInteger(value.node());
  if (is_integer && absl::SimpleAtoi(value.node().Scalar(), &n) && n >= min && n <= max) return n;
  std::string message =
      absl::StrCat("expected an integer from ", min, " to ", max, ", got ", Describe(value.node()));
  if (!is_integer && !hint.empty()) absl::StrAppend(&message, " (", hint, ")");
  Error(value, message);
  return std::nullopt;
}

std::optional<bool> YamlReader::ReadBool(const YamlValue& value) {
  if (IsPlainScalar(value.node())) {
    const std::string& text = value.node().Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  Error(value, absl::StrCat("expected true or false, got ", Describe(value.node())));
  return std::nullopt;
}

std::optional<size_t> YamlReader::ReadChoice(const YamlValue& value,
                                             absl::Span<const absl::string_view> names) {
  if (value.node().IsScalar()) {
    const auto it = std::find(names.begin(), names.end(), value.node().Scalar());
    if (it != names.end()) return it - names.begin();
  }
  Error(value, absl::StrCat("expected ", names.size() == 1 ? "" : "one of ",
                            absl::StrJoin(names, ", "), ", got ", Describe(value.node())));
  return std::nullopt;
}

std::optional<std::string> YamlReader::ReadChecked(const YamlValue& value, TextCheck check) {
  std::optional<std::string> text = ReadString(value);
  if (!text) return std::nullopt;
  if (const absl::Status status = check(*text); !status.ok()) {
    Error(value, status.message());
    return std::nullopt;
  }
  return text;
}

std::optional<std::map<std::string, std::string>> YamlReader::ReadStringMap(const YamlValue& value,
                                                                            TextCheck key_check,
                                                                            TextCheck value_check) {
  std::optional<std::vector<YamlMapping::Field>> entries =
      ReadEntries(value, /*keys_are_fields=*/false);
  if (!entries) return std::nullopt;
  std::map<std::string, std::string> map;
  for (const YamlMapping::Field& entry : *entries) {
    if (key_check != nullptr) {
      if (const absl::Status key = key_check(entry.name); !key.ok()) {
        Error(entry.name_pos, absl::StrCat(entry.value.path(), ": ", key.message()));
        continue;
      }
    }
    // `key:` and `key: ""` mean the same, as in Kubernetes.
    std::optional<std::string> text;
    if (entry.value.node().IsNull()) {
      text = "";
    } else if (value_check != nullptr) {
      text = ReadChecked(entry.value, value_check);
    } else {
      text = ReadString(entry.value);
    }
    if (text) map[entry.name] = std::move(*text);
  }
  return map;
}

void SortByPosition(Diagnostics* diagnostics) {
  std::stable_sort(diagnostics->begin(), diagnostics->end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.pos.file, a.pos.line, a.pos.column) <
                            std::tie(b.pos.file, b.pos.line, b.pos.column);
                   });
}

Diagnostic FileErrorDiagnostic(const std::string& file, int err) {
  std::string message = std::strerror(err);
  // strerror capitalises; diagnostics read "file: no such file or directory".
  if (!message.empty()) message[0] = absl::ascii_tolower(static_cast<unsigned char>(message[0]));
  return Diagnostic{SourcePos{file}, std::move(message)};
}

std::optional<std::string> ReadFileText(const std::string& path, Diagnostics* diagnostics) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diagnostics->push_back(FileErrorDiagnostic(path, errno));
    return std::nullopt;
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      text.append(buffer, n);
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      // E.g. EISDIR: a directory opens but does not read.
      diagnostics->push_back(FileErrorDiagnostic(path, errno));
      close(fd);
      return std::nullopt;
    }
  }
  close(fd);
  return text;
}

absl::Status CheckDnsLabel(absl::string_view text) {
  if (IsDnsLabel(text)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a valid DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', starting and "
      "ending with a letter or digit)"));
}

absl::Status CheckDnsSubdomain(absl::string_view text) {
  if (IsDnsSubdomain(text)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a valid DNS-1123 subdomain (at most 253 characters of a-z, 0-9, '-' and '.', "
      "each dot-separated part starting and ending with a letter or digit)"));
}

absl::Status CheckLabelKey(absl::string_view text) {
  const size_t slash = text.find('/');
  const absl::string_view name = slash == absl::string_view::npos ? text : text.substr(slash + 1);
  if (slash != absl::string_view::npos && !IsDnsSubdomain(text.substr(0, slash))) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is not a valid label key (the prefix before '/' must be a "
                     "DNS-1123 subdomain, e.g. nsfence.io)"));
  }
  if (!IsToken(name, 63, IsLabelChar)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a valid label key (the name",
        slash == absl::string_view::npos ? "" : " after '/'", " must be ", kLabelNameRule, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckLabelValue(absl::string_view text) {
  if (text.empty() || IsToken(text, 63, IsLabelChar)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not a valid label value (empty, or ", kLabelNameRule, ")"));
}

}  // namespace nsfence
