#include "common/labels.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nsfence {
namespace {

bool Holds(const LabelRequirement& r, const Labels& labels) {
  const auto it = labels.find(r.key);
  const bool present = it != labels.end();
  const auto listed = [&] {
    return present && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
  };
  switch (r.op) {
    case LabelRequirement::Operator::kIn:
      return listed();
    case LabelRequirement::Operator::kNotIn:
      return !listed();
    case LabelRequirement::Operator::kExists:
      return present;
    case LabelRequirement::Operator::kDoesNotExist:
      return !present;
  }
  return false;
}

const char* OperatorText(LabelRequirement::Operator op) {
  switch (op) {
    case LabelRequirement::Operator::kIn:
      return " in ";
    case LabelRequirement::Operator::kNotIn:
      return " notin ";
    case LabelRequirement::Operator::kExists:
      return " exists";
    case LabelRequirement::Operator::kDoesNotExist:
      return " doesnotexist";
  }
  return "?";
}

}  // namespace

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    const auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const LabelRequirement& r) { return Holds(r, labels); });
}

std::string LabelSelector::ToString() const {
  std::vector<std::string> parts;
  for (const auto& [key, value] : match_labels) parts.push_back(absl::StrCat(key, "=", value));
  for (const auto& r : match_expressions) {
    std::string part = absl::StrCat(r.key, OperatorText(r.op));
    if (r.op == LabelRequirement::Operator::kIn || r.op == LabelRequirement::Operator::kNotIn) {
      std::vector<std::string> values = r.values;
      std::sort(values.begin(), values.end());
      absl::StrAppend(&part, "(", absl::StrJoin(values, ","), ")");
    }
    parts.push_back(std::move(part));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

}  // namespace nsfence
