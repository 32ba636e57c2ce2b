#include "response/engine.h"

#include <utility>

#include "events/aggregator.h"

namespace nsfence::response {
namespace {

std::optional<policy::ViolationKind> KindOf(const events::Event& event) {
  const std::string& kind = event.kind();
  if (kind == "network") {
    if (event.direction() != "egress") return std::nullopt;  // the pod was the one reached
    return policy::ViolationKind::kNetwork;
  }
  if (kind == "tls") {
    // As a server the pod chose the version; a client's offer is the client's.
    if (event.direction() != "egress" && event.reason() != "server_selected_below_floor") return std::nullopt;
    return policy::ViolationKind::kTls;
  }
  if (kind == "privileged") return policy::ViolationKind::kPrivileged;
  if (kind == "device") return policy::ViolationKind::kDevice;
  return std::nullopt;
}

}  // namespace

std::optional<Violation> AttributedViolation(const events::Event& event, uint64_t pod_cgroup_id) {
  const std::optional<policy::ViolationKind> kind = KindOf(event);
  if (!kind || event.pod().empty() || event.namespace_().empty()) return std::nullopt;
  return Violation{.kind = *kind,
                   .namespace_name = event.namespace_(),
                   .pod = event.pod(),
                   .pod_cgroup_id = pod_cgroup_id,
                   .time = events::ToTime(event.time())};
}

void ResponseEngine::SetPlan(ResponsePlan plan) {
  // A rule is the same when some namespace still has it unchanged.
  absl::flat_hash_map<std::pair<std::string, size_t>, policy::ResponseRule> kept;
  for (const auto& [ns, rules] : plan) {
    for (const PlannedRule& r : rules) kept.emplace(std::make_pair(r.policy, r.index), r.rule);
  }
  absl::flat_hash_map<std::pair<std::string, size_t>, policy::ResponseRule> old;
  for (const auto& [ns, rules] : plan_) {
    for (const PlannedRule& r : rules) old.emplace(std::make_pair(r.policy, r.index), r.rule);
  }
  absl::erase_if(windows_, [&](const auto& window) {
    const std::pair<std::string, size_t> rule(std::get<1>(window.first), std::get<2>(window.first));
    const auto now = kept.find(rule);
    const auto before = old.find(rule);
    return now == kept.end() || before == old.end() || !(now->second == before->second);
  });
  plan_ = std::move(plan);
}

std::vector<Trigger> ResponseEngine::Observe(const Violation& violation) {
  std::vector<Trigger> fired;
  const auto rules = plan_.find(violation.namespace_name);
  if (rules == plan_.end()) return fired;
  for (const PlannedRule& planned : rules->second) {
    if (planned.rule.kind != violation.kind) continue;
    const WindowKey key(violation.pod_cgroup_id, planned.policy, planned.index);
    std::deque<absl::Time>& times = windows_[key];
    times.push_back(violation.time);
    // Never more than `count` times are held: reaching it fires and clears.
    while (violation.time - times.front() >= planned.rule.within) times.pop_front();
    if (times.size() < planned.rule.count) continue;
    fired.push_back(Trigger{.rule = planned,
                            .namespace_name = violation.namespace_name,
                            .pod = violation.pod,
                            .pod_cgroup_id = violation.pod_cgroup_id,
                            .count = times.size(),
                            .first = times.front(),
                            .last = times.back()});
    windows_.erase(key);
  }
  return fired;
}

void ResponseEngine::Forget(uint64_t pod_cgroup_id) {
  absl::erase_if(windows_, [&](const auto& window) { return std::get<0>(window.first) == pod_cgroup_id; });
}

void ResponseEngine::RetainPods(const absl::flat_hash_set<uint64_t>& live) {
  absl::erase_if(windows_, [&](const auto& window) { return !live.contains(std::get<0>(window.first)); });
}

}  // namespace nsfence::response
