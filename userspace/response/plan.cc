#include "response/plan.h"

#include <algorithm>

namespace nsfence::response {

ResponsePlan BuildPlan(const std::vector<policy::Policy>& policies, const inventory::Inventory& inventory) {
  std::vector<const policy::Policy*> responding;
  for (const policy::Policy& p : policies) {
    if (!p.response.empty()) responding.push_back(&p);
  }
  std::sort(responding.begin(), responding.end(),
            [](const policy::Policy* a, const policy::Policy* b) { return a->name < b->name; });
  ResponsePlan plan;
  for (const inventory::Namespace& ns : inventory.namespaces) {
    for (const policy::Policy* p : responding) {
      if (!p->namespace_selector.Matches(ns.labels)) continue;
      for (size_t i = 0; i < p->response.size(); ++i) {
        plan[ns.name].push_back(PlannedRule{.policy = p->name,
                                            .index = i,
                                            .rule = p->response[i],
                                            .audit = p->mode == policy::Mode::kAudit});
      }
    }
  }
  return plan;
}

}  // namespace nsfence::response
