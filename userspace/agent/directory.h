// Names for the ids in kernel records, from the inventory and policies in
// force, falling back to the registry for ids that were released meanwhile.
#ifndef NSFENCE_AGENT_DIRECTORY_H_
#define NSFENCE_AGENT_DIRECTORY_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "events/directory.h"
#include "inventory/model.h"
#include "loader/registry.h"
#include "policy/model.h"

namespace nsfence::agent {

class InventoryDirectory final : public events::Directory {
 public:
  // `cgroup_ids`: of the pods enforced on this node, by their inventory
  // cgroup path (absolute, or relative to `cgroup_mount`, the cgroup v2
  // mount). `registry` must outlive this directory.
  InventoryDirectory(const inventory::Inventory& inventory,
                     const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
                     const std::string& cgroup_mount,
                     absl::flat_hash_map<uint32_t, std::string> policy_names,
                     const loader::Registry* registry);
  std::optional<events::PodRef> PodByCgroup(uint64_t cgroup_id) const override;
  std::optional<events::PodRef> PodByIp(const IpAddress& ip) const override;
  std::string NamespaceOfIdentity(uint32_t identity) const override;
  std::string PolicyName(uint32_t policy) const override;
  // Looks for the task's cgroup directory below the pod's (a cgroup v2 id is
  // its directory's inode number), at most kContainerDepth levels down, and
  // names the pod's child directory on the way: the container's. Found names
  // are cached; not thread-safe (the agent's event loop is one thread).
  std::string ContainerOfCgroup(uint64_t pod_cgroup_id, uint64_t task_cgroup_id) const override;
  std::vector<std::string> LabelsNamedBy(const std::string& namespace_name, const std::string& policy) const override;
  // The policies in force, whose selectors LabelsNamedBy reads.
  void SetPolicies(const std::vector<policy::Policy>& policies);

  static constexpr int kContainerDepth = 4;

 private:
  absl::flat_hash_map<uint64_t, events::PodRef> by_cgroup_;
  absl::flat_hash_map<uint64_t, std::string> pod_dirs_;  // pod cgroup id -> absolute directory
  absl::flat_hash_map<IpAddress, events::PodRef> by_ip_;
  absl::flat_hash_map<uint32_t, std::string> policy_names_;
  const loader::Registry* registry_;
  absl::flat_hash_map<std::string, Labels> namespace_labels_;
  absl::flat_hash_map<std::string, std::set<std::string>> selector_keys_;  // by policy name
  // (pod cgroup id, task cgroup id) -> container name
  mutable absl::flat_hash_map<std::pair<uint64_t, uint64_t>, std::string> containers_;
};


}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_DIRECTORY_H_
