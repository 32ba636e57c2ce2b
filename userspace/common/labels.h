// Kubernetes labels and label selectors (matchLabels / matchExpressions).
#ifndef NSFENCE_COMMON_LABELS_H_
#define NSFENCE_COMMON_LABELS_H_

#include <map>
#include <string>
#include <vector>

namespace nsfence {

using Labels = std::map<std::string, std::string>;

// The label every namespace carries implicitly, as in Kubernetes.
inline constexpr char kNamespaceNameLabel[] = "kubernetes.io/metadata.name";

struct LabelRequirement {
  enum class Operator { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Operator op = Operator::kIn;
  std::vector<std::string> values;

  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;
};

// Kubernetes semantics: every matchLabels pair and every requirement must
// hold; an empty selector matches everything.
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool Matches(const Labels& labels) const;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  // Canonical text, e.g. "{a=b,c in (x,y)}", for logs and content hashes.
  std::string ToString() const;

  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};

}  // namespace nsfence

#endif  // NSFENCE_COMMON_LABELS_H_
