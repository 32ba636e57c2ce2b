#include "policy/response_parser.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace nsfence::policy {
namespace {

constexpr char kWithinSyntax[] =
    "expected a duration of whole seconds from 1s to 24h, e.g. \"30s\", \"5m\", \"1h\"";

std::optional<absl::Duration> ReadWithin(YamlReader& reader, const YamlValue& value) {
  const std::optional<std::string> text = reader.ReadString(value);
  if (!text) return std::nullopt;
  absl::Duration within;
  if (!absl::ParseDuration(*text, &within) || within < absl::Seconds(1) || within > kMaxResponseWindow ||
      within != absl::Trunc(within, absl::Seconds(1))) {
    reader.Error(value, absl::StrCat(kWithinSyntax, ", got \"", *text, "\""));
    return std::nullopt;
  }
  return within;
}

void ParseWhen(YamlReader& reader, const YamlValue& value, ResponseRule* rule) {
  std::optional<YamlMapping> when = reader.ReadMapping(value, {"kind", "count", "within"});
  if (!when) return;
  if (std::optional<YamlValue> kind = when->Require("kind")) {
    rule->kind = reader
                     .ReadEnum<ViolationKind>(*kind, {{"network", ViolationKind::kNetwork},
                                                      {"tls", ViolationKind::kTls},
                                                      {"privileged", ViolationKind::kPrivileged},
                                                      {"device", ViolationKind::kDevice}})
                     .value_or(ViolationKind::kNetwork);
  }
  if (std::optional<YamlValue> count = when->Get("count")) {
    rule->count = static_cast<uint32_t>(reader.ReadInt(*count, 1, kMaxResponseCount).value_or(1));
  }
  if (std::optional<YamlValue> within = when->Get("within")) {
    rule->within = ReadWithin(reader, *within).value_or(rule->within);
  }
}

}  // namespace

std::vector<ResponseRule> ParseResponse(YamlReader& reader, const YamlValue& value) {
  std::vector<ResponseRule> rules;
  for (const YamlValue& item : reader.ReadSequence(value)) {
    std::optional<YamlMapping> fields = reader.ReadMapping(item, {"when", "action"});
    if (!fields) continue;
    ResponseRule rule;
    rule.pos = item.pos();
    if (std::optional<YamlValue> when = fields->Require("when")) ParseWhen(reader, *when, &rule);
    if (std::optional<YamlValue> action = fields->Require("action")) {
      rule.action = reader
                        .ReadEnum<ResponseAction>(*action,
                                                  {{"quarantine", ResponseAction::kQuarantine},
                                                   {"kill-pod-processes", ResponseAction::kKillPodProcesses}})
                        .value_or(ResponseAction::kQuarantine);
    }
    rules.push_back(rule);
  }
  return rules;
}

const char* ViolationKindName(ViolationKind kind) {
  switch (kind) {
    case ViolationKind::kNetwork:
      return "network";
    case ViolationKind::kTls:
      return "tls";
    case ViolationKind::kPrivileged:
      return "privileged";
    case ViolationKind::kDevice:
      return "device";
  }
  return "network";
}

const char* ResponseActionName(ResponseAction action) {
  return action == ResponseAction::kQuarantine ? "quarantine" : "kill-pod-processes";
}

}  // namespace nsfence::policy
