// IsolationPolicy objects of the API as policies in force. The CRD's schema
// refuses most mistakes at the API server; what passes it and still fails
// the agent's parser (e.g. host bits in a CIDR) is refused here, reported
// once per content with its position ("isolationpolicy/NAME:line:column"),
// and never applied. As with policy files, an object that becomes invalid
// keeps its last good content in force; a deleted object stops counting.
#ifndef NSFENCE_KUBE_POLICY_OBJECTS_H_
#define NSFENCE_KUBE_POLICY_OBJECTS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "kube/reflector.h"
#include "policy/model.h"

namespace nsfence::kube {

class PolicyObjects {
 public:
  struct UpdateResult {
    // New problems: of objects whose content changed since the last Update.
    Diagnostics errors;
    bool changed = false;  // policies() differs from before
  };

  // Takes the isolationpolicies cache's content. `reserved` are names other
  // sources (policy files) define: an object with one of them is refused.
  UpdateResult Update(const Snapshot& snapshot, const std::set<std::string>& reserved);

  // The policies in force, sorted by name.
  const std::vector<policy::Policy>& policies() const { return policies_; }
  // Objects whose current content is refused.
  size_t invalid() const { return invalid_.size(); }

 private:
  struct InForce {
    std::string resource_version;
    std::vector<policy::Policy> policies;  // last good content
  };
  std::map<std::string, InForce> in_force_;  // by object name
  struct Refused {
    std::string resource_version;
    bool name_taken = false;  // parsed, but a file defines the name: try again once it does not
  };
  std::map<std::string, Refused> invalid_;  // by object name
  std::vector<policy::Policy> policies_;
};

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_POLICY_OBJECTS_H_
