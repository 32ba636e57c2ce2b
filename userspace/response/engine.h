// Counts each pod's violations against the response rules of its namespace
// and says when a rule's threshold is reached: `count` violations of its kind
// within `within`, a sliding window over the violations' own times. A rule
// that fires starts counting afresh, so a rule of count 20 fires again only
// after 20 more.
#ifndef NSFENCE_RESPONSE_ENGINE_H_
#define NSFENCE_RESPONSE_ENGINE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "events/events.pb.h"
#include "policy/model.h"
#include "response/plan.h"

namespace nsfence::response {

// One violation, attributed to the pod that caused it.
struct Violation {
  policy::ViolationKind kind = policy::ViolationKind::kNetwork;
  std::string namespace_name;
  std::string pod;
  uint64_t pod_cgroup_id = 0;
  absl::Time time;
};

// The violation an event stands for, when it counts toward the pod it names
// (policy/model.h, ResponseRule): its egress network and TLS client events,
// TLS events of the version it selected as a server, its privileged and
// device events. nullopt for other events, and for pods not known by name.
std::optional<Violation> AttributedViolation(const events::Event& event, uint64_t pod_cgroup_id);

struct Trigger {
  PlannedRule rule;
  std::string namespace_name;
  std::string pod;
  uint64_t pod_cgroup_id = 0;
  uint64_t count = 0;  // violations in the window that fired it
  absl::Time first;    // oldest of them
  absl::Time last;
};

class ResponseEngine {
 public:
  // Counts of rules that stay (same policy, index and rule) are kept.
  void SetPlan(ResponsePlan plan);
  // The rules this violation makes fire, in plan order.
  std::vector<Trigger> Observe(const Violation& violation);
  // The pod is gone or was released: its counts start from zero.
  void Forget(uint64_t pod_cgroup_id);
  // Forgets every pod not in `live` (pods that left the node).
  void RetainPods(const absl::flat_hash_set<uint64_t>& live);
  // Windows held (pod and rule pairs with violations in their window).
  size_t windows() const { return windows_.size(); }

 private:
  using WindowKey = std::tuple<uint64_t, std::string, size_t>;  // pod cgroup, policy, rule index
  ResponsePlan plan_;
  // Times of the violations in each window, oldest first; at most count.
  absl::flat_hash_map<WindowKey, std::deque<absl::Time>> windows_;
};

}  // namespace nsfence::response

#endif  // NSFENCE_RESPONSE_ENGINE_H_
