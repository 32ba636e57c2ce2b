// Graduated response (spec.response): counts each pod's violations with a
// ResponseEngine and carries out what fires — quarantine through the
// Enforcer (an endpoint write the datapath enforces), kill-pod-processes
// through the pod's cgroup. Every response, release and failure is an event
// of kind "response" (README.md, "Violation events") and a count in
// nsfence_responses_total; quarantined pods show in nsfence_quarantined_pods
// and `nsfencectl status`. A policy in audit mode only reports.
#ifndef NSFENCE_AGENT_RESPONDER_H_
#define NSFENCE_AGENT_RESPONDER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/decode.h"
#include "events/events.pb.h"
#include "inventory/model.h"
#include "loader/enforcer.h"
#include "metrics/metrics.h"
#include "policy/model.h"
#include "response/engine.h"

namespace nsfence::agent {

struct QuarantinedPod {
  std::string pod;     // NAMESPACE/POD; empty when the inventory no longer names it
  std::string policy;
  std::optional<absl::Time> since;  // unknown for quarantines an earlier agent made
};

class Responder {
 public:
  // `enforcer` and `metrics` outlive the responder; `emit` prints an event.
  Responder(loader::Enforcer* enforcer, metrics::Metrics* metrics, std::function<void(events::Event)> emit);

  // After every apply: the rules in force, and the pods enforced here
  // (pod cgroup id -> its absolute cgroup directory).
  void Update(const std::vector<policy::Policy>& policies, const inventory::Inventory& inventory,
              const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
              const absl::flat_hash_map<uint64_t, std::string>& pod_dirs);
  // The responses one violation record (enriched; `pod_cgroup_id` from the
  // kernel record) makes fire, to Carry once the violation is printed.
  std::vector<response::Trigger> Observe(const events::Event& event, uint64_t pod_cgroup_id);
  void Carry(const std::vector<response::Trigger>& triggers);
  // Ends the quarantine of "NAMESPACE/POD".
  absl::Status Release(absl::string_view pod, absl::Time now);
  std::vector<QuarantinedPod> Quarantined() const;

 private:
  void CarryOne(const response::Trigger& trigger);
  void Quarantine(const response::Trigger& trigger, events::Event& event);
  void KillProcesses(const response::Trigger& trigger, events::Event& event);

  loader::Enforcer* enforcer_;
  metrics::Metrics* metrics_;
  std::function<void(events::Event)> emit_;
  response::ResponseEngine engine_;
  absl::flat_hash_map<std::string, uint64_t> cgroup_by_pod_;  // NAMESPACE/POD -> pod cgroup id
  absl::flat_hash_map<uint64_t, std::string> pod_by_cgroup_;  // and back
  absl::flat_hash_map<uint64_t, std::string> pod_dirs_;
  absl::flat_hash_map<uint64_t, absl::Time> quarantined_since_;
};

// The pod cgroup id a kernel record names (0 for none).
uint64_t PodCgroupOf(const events::Record& record);

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_RESPONDER_H_
