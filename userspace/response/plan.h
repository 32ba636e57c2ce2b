// Which response rules (spec.response) apply to each namespace: those of the
// policies whose namespaceSelector selects it.
#ifndef NSFENCE_RESPONSE_PLAN_H_
#define NSFENCE_RESPONSE_PLAN_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "inventory/model.h"
#include "policy/model.h"

namespace nsfence::response {

struct PlannedRule {
  std::string policy;
  size_t index = 0;  // in the policy's spec.response
  policy::ResponseRule rule;
  // The policy is in audit mode: the response is reported, not carried out.
  bool audit = false;
};

// Namespace name -> its rules, by policy name then index. Namespaces no
// response rule covers are absent.
using ResponsePlan = absl::flat_hash_map<std::string, std::vector<PlannedRule>>;

ResponsePlan BuildPlan(const std::vector<policy::Policy>& policies, const inventory::Inventory& inventory);

}  // namespace nsfence::response

#endif  // NSFENCE_RESPONSE_PLAN_H_
