#include "agent/directory.h"

#include <utility>

namespace nsfence::agent {

InventoryDirectory::InventoryDirectory(const inventory::Inventory& inventory,
                                       const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
                                       absl::flat_hash_map<uint32_t, std::string> policy_names,
                                       const loader::Registry* registry)
    : policy_names_(std::move(policy_names)), registry_(registry) {
  for (const inventory::Pod& pod : inventory.pods) {
    const events::PodRef ref{.namespace_name = pod.namespace_name, .name = pod.name, .ips = pod.ips};
    for (const IpAddress& ip : pod.ips) by_ip_.emplace(ip, ref);
    if (const auto it = cgroup_ids.find(pod.cgroup); it != cgroup_ids.end()) by_cgroup_.emplace(it->second, ref);
  }
}

std::optional<events::PodRef> InventoryDirectory::PodByCgroup(uint64_t cgroup_id) const {
  const auto it = by_cgroup_.find(cgroup_id);
  if (it == by_cgroup_.end()) return std::nullopt;
  return it->second;
}

std::optional<events::PodRef> InventoryDirectory::PodByIp(const IpAddress& ip) const {
  const auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return std::nullopt;
  return it->second;
}

std::string InventoryDirectory::NamespaceOfIdentity(uint32_t identity) const {
  return registry_->Name(NSFENCE_REG_IDENTITY, identity).value_or("");
}

std::string InventoryDirectory::PolicyName(uint32_t policy) const {
  if (const auto it = policy_names_.find(policy); it != policy_names_.end()) return it->second;
  return registry_->Name(NSFENCE_REG_POLICY, policy).value_or("");
}

}  // namespace nsfence::agent
