// Keeps the kernel maps equal to what the policies in force say about the
// current inventory: compile, materialise, apply, and release unused ids.
#ifndef NSFENCE_LOADER_ENFORCER_H_
#define NSFENCE_LOADER_ENFORCER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inventory/model.h"
#include "loader/applier.h"
#include "loader/kernel_state.h"
#include "loader/materialize.h"
#include "loader/registry.h"
#include "loader/segmentation_maps.h"
#include "policy/model.h"

namespace nsfence::loader {

struct EnforceReport {
  ApplyStats stats;
  size_t governed_namespaces = 0;
  size_t rulesets = 0;
  std::vector<std::string> warnings;
  std::vector<std::string> unresolved_cgroups;  // pods not enforced yet
  absl::flat_hash_map<std::string, uint64_t> cgroup_ids;  // of pods enforced
  absl::flat_hash_map<uint32_t, std::string> policy_names;  // ids in force
};

class Enforcer {
 public:
  Enforcer(SegmentationMaps maps, MapIo* registry_map, CgroupResolver cgroups);

  // Reads what an earlier agent left in the pinned maps, so the first
  // Enforce writes only the difference.
  absl::Status Adopt();

  // Makes the kernel enforce `policies` over `inventory`. When the set of
  // prefixes changes, the old policies are first re-applied over old and new
  // prefixes together, so no address is ever judged by a ruleset that lacks
  // entries for the prefix it falls in.
  absl::StatusOr<EnforceReport> Enforce(const std::vector<policy::Policy>& policies,
                                        const inventory::Inventory& inventory);

  // Quarantines the pod whose cgroup is `cgroup_id` (one endpoint write):
  // the datapath drops all its traffic and names `policy` in the events.
  // NotFound when no pod enforced here has that cgroup. The quarantine lasts
  // until Release or until the pod leaves the inventory.
  absl::Status Quarantine(uint64_t cgroup_id, const std::string& policy);
  // Ends a quarantine; NotFound when the pod is not quarantined.
  absl::Status Release(uint64_t cgroup_id);
  // Pod cgroup id -> name of the policy that quarantined it. Adopt() recovers
  // what an earlier agent left.
  const absl::flat_hash_map<uint64_t, std::string>& quarantined() const { return quarantined_; }
  // Called after every change of quarantined() with its new size (the agent
  // tells the datapath), including pods that left while quarantined.
  void set_on_quarantine_change(std::function<absl::Status(size_t)> fn) {
    on_quarantine_change_ = std::move(fn);
  }

  const Registry& registry() const { return registry_; }
  const KernelState& state() const { return current_; }

  // How long an unused id stays nameable for events still queued.
  void set_id_grace(absl::Duration grace) { id_grace_ = grace; }

  // Called with what the kernel now holds after an Enforce that changed the
  // maps (the agent publishes the TLS policy to the datapath).
  void set_on_change(std::function<absl::Status(const KernelState&)> on_change) {
    on_change_ = std::move(on_change);
  }

 private:
  // Marks the quarantined pods' endpoints in `state`; forgets quarantines of
  // pods it no longer holds.
  void MarkQuarantined(KernelState& state);
  absl::Status WriteEndpoint(uint64_t cgroup_id, const nsfence_endpoint& ep);
  absl::StatusOr<EnforceReport> ApplyOnce(const std::vector<policy::Policy>& policies,
                                          const inventory::Inventory& inventory,
                                          const std::vector<Cidr>& extra_prefixes);

  SegmentationMaps maps_;
  Registry registry_;
  CgroupResolver cgroups_;
  KernelState current_;
  std::vector<policy::Policy> last_policies_;
  absl::Duration id_grace_ = absl::Seconds(60);
  std::function<absl::Status(const KernelState&)> on_change_;
  absl::flat_hash_map<uint64_t, std::string> quarantined_;
  std::function<absl::Status(size_t)> on_quarantine_change_;
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_ENFORCER_H_
