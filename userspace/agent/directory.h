// Names for the ids in kernel records, from the inventory and policies in
// force, falling back to the registry for ids that were released meanwhile.
#ifndef NSFENCE_AGENT_DIRECTORY_H_
#define NSFENCE_AGENT_DIRECTORY_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "events/directory.h"
#include "inventory/model.h"
#include "loader/registry.h"

namespace nsfence::agent {

class InventoryDirectory final : public events::Directory {
 public:
  // `cgroup_ids`: of the pods enforced on this node, by their inventory
  // cgroup path. `registry` must outlive this directory.
  InventoryDirectory(const inventory::Inventory& inventory,
                     const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
                     absl::flat_hash_map<uint32_t, std::string> policy_names,
                     const loader::Registry* registry);

  std::optional<events::PodRef> PodByCgroup(uint64_t cgroup_id) const override;
  std::optional<events::PodRef> PodByIp(const IpAddress& ip) const override;
  std::string NamespaceOfIdentity(uint32_t identity) const override;
  std::string PolicyName(uint32_t policy) const override;

 private:
  absl::flat_hash_map<uint64_t, events::PodRef> by_cgroup_;
  absl::flat_hash_map<IpAddress, events::PodRef> by_ip_;
  absl::flat_hash_map<uint32_t, std::string> policy_names_;
  const loader::Registry* registry_;
};

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_DIRECTORY_H_
