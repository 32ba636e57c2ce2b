#include "agent/directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/container_names.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/cgroup.h"

namespace nsfence::agent {
namespace {

// Containers come and go while a policy generation lasts; a long-lived one
// must not grow the cache without bound.
constexpr size_t kMaxCachedContainers = 4096;

struct Subdirectory {
  std::string name;
  ino_t ino;
};

// The directories directly in `dir`; none when it is gone or unreadable.
std::vector<Subdirectory> Subdirectories(const std::string& dir) {
  std::vector<Subdirectory> out;
  const std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (d == nullptr) return out;
  while (const dirent* entry = readdir(d.get())) {
    const absl::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    // The controllers' files are skipped without a stat; DT_UNKNOWN needs one.
    if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN) continue;
    struct stat st {};
    if (fstatat(dirfd(d.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
    out.push_back({std::string(name), st.st_ino});
  }
  return out;
}

// Whether some directory below `dir`, at most `depth` levels down, has inode
// number `ino`. Children are checked before grandchildren are walked.
bool HasDescendant(const std::string& dir, uint64_t ino, int depth) {
  if (depth <= 0) return false;
  const std::vector<Subdirectory> subdirs = Subdirectories(dir);
  for (const Subdirectory& sub : subdirs) {
    if (sub.ino == ino) return true;
  }
  for (const Subdirectory& sub : subdirs) {
    if (HasDescendant(absl::StrCat(dir, "/", sub.name), ino, depth - 1)) return true;
  }
  return false;
}

// The directory directly below the pod's that is, or holds, the cgroup with
// inode number `ino`: the container's, also when a runtime nests the
// container's processes one level deeper.
std::optional<std::string> ContainerDirName(const std::string& pod_dir, uint64_t ino, int depth) {
  const std::vector<Subdirectory> subdirs = Subdirectories(pod_dir);
  for (const Subdirectory& sub : subdirs) {
    if (sub.ino == ino) return sub.name;
  }
  for (const Subdirectory& sub : subdirs) {
    if (HasDescendant(absl::StrCat(pod_dir, "/", sub.name), ino, depth - 1)) return sub.name;
  }
  return std::nullopt;
}

}  // namespace

InventoryDirectory::InventoryDirectory(const inventory::Inventory& inventory,
                                       const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids,
                                       const std::string& cgroup_mount,
                                       absl::flat_hash_map<uint32_t, std::string> policy_names,
                                       const loader::Registry* registry)
    : policy_names_(std::move(policy_names)), registry_(registry) {
  for (const inventory::Pod& pod : inventory.pods) {
    const events::PodRef ref{.namespace_name = pod.namespace_name, .name = pod.name, .ips = pod.ips};
    for (const IpAddress& ip : pod.ips) by_ip_.emplace(ip, ref);
    if (const auto it = cgroup_ids.find(pod.cgroup); it != cgroup_ids.end()) by_cgroup_.emplace(it->second, ref);
  }
  for (const auto& [path, id] : cgroup_ids) pod_dirs_.emplace(id, cgroup::Resolve(cgroup_mount, path));
  for (const inventory::Namespace& ns : inventory.namespaces) namespace_labels_.emplace(ns.name, ns.labels);
}

void InventoryDirectory::SetPolicies(const std::vector<policy::Policy>& policies) {
  selector_keys_.clear();
  for (const policy::Policy& p : policies) {
    std::set<std::string>& keys = selector_keys_[p.name];
    for (const auto& [key, value] : p.namespace_selector.match_labels) keys.insert(key);
    for (const LabelRequirement& r : p.namespace_selector.match_expressions) keys.insert(r.key);
  }
}

std::vector<std::string> InventoryDirectory::LabelsNamedBy(const std::string& namespace_name,
                                                           const std::string& policy) const {
  std::vector<std::string> out;
  const auto labels = namespace_labels_.find(namespace_name);
  const auto keys = selector_keys_.find(policy);
  if (labels == namespace_labels_.end() || keys == selector_keys_.end()) return out;
  for (const std::string& key : keys->second) {
    if (const auto it = labels->second.find(key); it != labels->second.end()) out.push_back(key + "=" + it->second);
  }
  return out;
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

std::string InventoryDirectory::ContainerOfCgroup(uint64_t pod_cgroup_id, uint64_t task_cgroup_id) const {
  if (task_cgroup_id == pod_cgroup_id) return "";
  const std::pair<uint64_t, uint64_t> key(pod_cgroup_id, task_cgroup_id);
  if (const auto it = containers_.find(key); it != containers_.end()) return it->second;
  const auto pod_dir = pod_dirs_.find(pod_cgroup_id);
  if (pod_dir == pod_dirs_.end()) return "";
  // Not found is not cached: the next event looks again.
  const std::optional<std::string> dir_name = ContainerDirName(pod_dir->second, task_cgroup_id, kContainerDepth);
  if (!dir_name) return "";
  if (containers_.size() >= kMaxCachedContainers) containers_.clear();
  return containers_.emplace(key, events::ContainerName(*dir_name)).first->second;
}

}  // namespace nsfence::agent
