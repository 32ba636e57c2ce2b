// IsolationPolicy YAML to policy::Policy, strictly: unknown fields, wrong
// types and invalid values are errors at file:line:column.
#ifndef NSFENCE_POLICY_PARSER_H_
#define NSFENCE_POLICY_PARSER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "common/diagnostic.h"
#include "policy/model.h"

namespace nsfence::policy {

struct ParseResult {
  // In file order; empty whenever there are diagnostics.
  std::vector<Policy> policies;
  Diagnostics diagnostics;  // every problem found

  bool ok() const { return diagnostics.empty(); }
};

// Every IsolationPolicy document of `text` (documents separated by "---",
// empty ones skipped). Positions name `file_name`. Policy::pos is where the
// policy's metadata.name is, which identifies it in messages.
ParseResult ParsePolicies(absl::string_view text, absl::string_view file_name);

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_PARSER_H_
