#include "agent/responder.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "events/aggregator.h"
#include "policy/response_parser.h"
#include "response/plan.h"
#include "response/pod_killer.h"

namespace nsfence::agent {
namespace {

constexpr char kRelease[] = "release";

events::Event ResponseEvent(const std::string& response, const std::string& ns, const std::string& pod,
                            const std::string& policy) {
  events::Event e;
  events::SetTimestamp(absl::Now(), e.mutable_time());
  e.set_kind("response");
  e.set_response(response);
  e.set_namespace_(ns);
  e.set_pod(pod);
  e.set_policy(policy);
  e.set_count(1);
  return e;
}

std::string WindowText(absl::Duration d) {
  // "1m" rather than absl's "1m0s" for whole minutes and hours.
  if (d % absl::Hours(1) == absl::ZeroDuration()) return absl::StrCat(d / absl::Hours(1), "h");
  if (d % absl::Minutes(1) == absl::ZeroDuration()) return absl::StrCat(d / absl::Minutes(1), "m");
  return absl::FormatDuration(d);
}

}  // namespace

uint64_t PodCgroupOf(const events::Record& record) {
  if (const auto* e = std::get_if<nsfence_network_event>(&record)) return e->cgroup_id;
  if (const auto* e = std::get_if<nsfence_tls_event>(&record)) return e->net.cgroup_id;
  if (const auto* e = std::get_if<nsfence_exec_event>(&record)) return e->cgroup_id;
  if (const auto* e = std::get_if<nsfence_device_event>(&record)) return e->cgroup_id;
  return 0;
}

Responder::Responder(loader::Enforcer* enforcer, metrics::Metrics* metrics, std::function<void(events::Event)> emit)
    : enforcer_(enforcer), metrics_(metrics), emit_(std::move(emit)) {}

void Responder::Update(const std::vector<policy::Policy>& policies, const inventory::Inventory& inventory,
                       const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
                       const absl::flat_hash_map<uint64_t, std::string>& pod_dirs) {
  engine_.SetPlan(response::BuildPlan(policies, inventory));
  cgroup_by_pod_.clear();
  pod_by_cgroup_.clear();
  absl::flat_hash_set<uint64_t> live;
  for (const inventory::Pod& pod : inventory.pods) {
    const auto id = cgroup_ids.find(pod.cgroup);
    if (pod.cgroup.empty() || id == cgroup_ids.end()) continue;
    const std::string name = absl::StrCat(pod.namespace_name, "/", pod.name);
    cgroup_by_pod_[name] = id->second;
    pod_by_cgroup_[id->second] = name;
    live.insert(id->second);
  }
  engine_.RetainPods(live);
  pod_dirs_ = pod_dirs;
  for (auto it = quarantined_since_.begin(); it != quarantined_since_.end();) {
    if (enforcer_->quarantined().contains(it->first)) {
      ++it;
    } else {
      quarantined_since_.erase(it++);  // the pod left, and its quarantine with it
    }
  }
}

std::vector<response::Trigger> Responder::Observe(const events::Event& event, uint64_t pod_cgroup_id) {
  const std::optional<response::Violation> violation = response::AttributedViolation(event, pod_cgroup_id);
  if (!violation) return {};
  return engine_.Observe(*violation);
}

void Responder::Carry(const std::vector<response::Trigger>& triggers) {
  for (const response::Trigger& trigger : triggers) CarryOne(trigger);
}

void Responder::CarryOne(const response::Trigger& trigger) {
  const policy::ResponseRule& rule = trigger.rule.rule;
  const std::string response = policy::ResponseActionName(rule.action);
  if (rule.action == policy::ResponseAction::kQuarantine && enforcer_->quarantined().contains(trigger.pod_cgroup_id)) {
    return;  // already: nothing more to do
  }
  events::Event event = ResponseEvent(response, trigger.namespace_name, trigger.pod, trigger.rule.policy);
  event.set_reason(absl::StrCat(trigger.count, " ", policy::ViolationKindName(rule.kind), " violation",
                                trigger.count == 1 ? "" : "s", " within ", WindowText(rule.within)));
  event.set_count(trigger.count);
  events::SetTimestamp(trigger.first, event.mutable_first_time());
  events::SetTimestamp(trigger.last, event.mutable_last_time());
  if (trigger.rule.audit) {
    event.set_action("audited");
  } else if (rule.action == policy::ResponseAction::kQuarantine) {
    Quarantine(trigger, event);
  } else {
    KillProcesses(trigger, event);
  }
  const std::string pod = absl::StrCat(trigger.namespace_name, "/", trigger.pod);
  if (event.action() == "failed") {
    log::Error(response, " of pod ", pod, " (policy ", trigger.rule.policy, ") failed: ", event.error());
  } else {
    log::Info(response, event.action() == "audited" ? " (audit mode, not carried out)" : "", ": pod ", pod,
              ", policy ", trigger.rule.policy, ": ", event.reason());
  }
  metrics_->OnResponse(response, event.action(), trigger.namespace_name);
  emit_(std::move(event));
}

void Responder::Quarantine(const response::Trigger& trigger, events::Event& event) {
  const absl::Status s = enforcer_->Quarantine(trigger.pod_cgroup_id, trigger.rule.policy);
  if (!s.ok()) {
    event.set_action("failed");
    event.set_error(std::string(s.message()));
    return;
  }
  quarantined_since_[trigger.pod_cgroup_id] = absl::Now();
  event.set_action("taken");
}

void Responder::KillProcesses(const response::Trigger& trigger, events::Event& event) {
  const auto dir = pod_dirs_.find(trigger.pod_cgroup_id);
  if (dir == pod_dirs_.end()) {
    event.set_action("failed");
    event.set_error("the pod's cgroup is not known on this node");
    return;
  }
  const absl::StatusOr<response::KillResult> killed = response::KillPodProcesses(dir->second);
  if (!killed.ok()) {
    event.set_action("failed");
    event.set_error(std::string(killed.status().message()));
    return;
  }
  event.set_action("taken");
}

absl::Status Responder::Release(absl::string_view pod, absl::Time now) {
  const auto id = cgroup_by_pod_.find(pod);
  if (id == cgroup_by_pod_.end()) {
    return absl::NotFoundError(absl::StrCat("no pod ", pod, " runs on this node (the inventory names NAMESPACE/POD)"));
  }
  if (!enforcer_->quarantined().contains(id->second)) {
    return absl::FailedPreconditionError(absl::StrCat("pod ", pod, " is not quarantined"));
  }
  const std::string policy = enforcer_->quarantined().at(id->second);
  if (absl::Status s = enforcer_->Release(id->second); !s.ok()) {
    metrics_->OnResponse(kRelease, "failed", pod.substr(0, pod.find('/')));
    return absl::InternalError(absl::StrCat("releasing ", pod, ": ", s.message()));
  }
  quarantined_since_.erase(id->second);
  engine_.Forget(id->second);  // its counts start again from zero
  const std::string ns(pod.substr(0, pod.find('/')));
  events::Event event = ResponseEvent(kRelease, ns, std::string(pod.substr(pod.find('/') + 1)), policy);
  events::SetTimestamp(now, event.mutable_time());
  event.set_action("taken");
  event.set_reason("nsfencectl release");
  log::Info("released pod ", pod, " from the quarantine of policy ", policy);
  metrics_->OnResponse(kRelease, "taken", ns);
  emit_(std::move(event));
  return absl::OkStatus();
}

std::vector<QuarantinedPod> Responder::Quarantined() const {
  std::vector<QuarantinedPod> out;
  for (const auto& [cgroup_id, policy] : enforcer_->quarantined()) {
    QuarantinedPod q;
    if (const auto name = pod_by_cgroup_.find(cgroup_id); name != pod_by_cgroup_.end()) q.pod = name->second;
    q.policy = policy;
    if (const auto since = quarantined_since_.find(cgroup_id); since != quarantined_since_.end()) q.since = since->second;
    out.push_back(std::move(q));
  }
  std::sort(out.begin(), out.end(), [](const QuarantinedPod& a, const QuarantinedPod& b) { return a.pod < b.pod; });
  return out;
}

}  // namespace nsfence::agent
