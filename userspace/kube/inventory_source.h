// The inventory of a Kubernetes node, kept current by list+watch of the API
// server and an inotify watch of the kubelet's cgroup tree:
//   /api/v1/namespaces                          -> namespaces and labels
//   /api/v1/pods                                -> every pod's IPs (peers) and
//                                                  this node's pods
//   /apis/nsfence.io/v1alpha1/isolationpolicies -> policies (PolicyObjects)
//   <cgroup v2 mount>/kubepods(.slice)          -> pod cgroups by uid
// One cluster-wide pod watch serves both peers and this node's pods: a second
// watch with fieldSelector=spec.nodeName would deliver the node's pods twice,
// and two caches can disagree in the middle of an update.
// Each Load() builds the inventory from the caches (node_inventory.h); the
// caches are the single source of truth.
#ifndef NSFENCE_KUBE_INVENTORY_SOURCE_H_
#define NSFENCE_KUBE_INVENTORY_SOURCE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/diagnostic.h"
#include "inventory/cgroup_watch.h"
#include "inventory/source.h"
#include "kube/config.h"
#include "kube/policy_objects.h"
#include "kube/reflector.h"
#include "policy/model.h"

namespace nsfence::kube {

inline constexpr char kNamespacesPath[] = "/api/v1/namespaces";
inline constexpr char kPodsPath[] = "/api/v1/pods";
inline constexpr char kIsolationPoliciesPath[] = "/apis/nsfence.io/v1alpha1/isolationpolicies";

struct KubeInventoryOptions {
  ClusterConfig cluster;
  std::string node_name;
  // The absolute directory that holds the kubepods root ("kubepods.slice"
  // or "kubepods"): on a node the cgroup v2 mount, in tests a test cgroup.
  // Pods' cgroups are given to the inventory as absolute paths.
  std::string cgroup_parent;
  std::string kubepods_root;
  bool deny_unknown_pods = true;
  ReflectorOptions reflector;
};

class KubeInventorySource : public inventory::InventorySource {
 public:
  // Starts the watches; fails when the cgroup tree cannot be watched.
  static absl::StatusOr<std::unique_ptr<KubeInventorySource>> Start(KubeInventoryOptions options);
  ~KubeInventorySource() override;

  // Fails (Unavailable) until every cache has synced.
  absl::StatusOr<inventory::Inventory> Load() override;
  std::vector<std::string> WatchedFiles() const override { return {}; }
  std::string Describe() const override;
  std::vector<int> ReadyFds() const override;
  bool OnReadable(int fd) override;
  absl::Status WaitReady(absl::Duration timeout) override;
  std::optional<absl::Time> LoadedChangeTime() const override { return loaded_change_; }

  // Names policy files define: objects with them are refused (files win).
  void SetReservedPolicyNames(std::set<std::string> names) { reserved_ = std::move(names); }
  // Of the last Load(): the policies of IsolationPolicy objects, and the
  // unknown-pods policy when there are unknown pods to isolate.
  const std::vector<policy::Policy>& policies() const { return policies_; }
  // The objects' policies differ from those of the Load() before.
  bool policies_changed() const { return policies_changed_; }
  // Problems the last Load() found that the one before did not: objects
  // refused or unreadable. Logged once, not at every change.
  const Diagnostics& new_problems() const { return new_problems_; }
  size_t invalid_policy_objects() const { return policy_objects_.invalid(); }
  size_t unknown_pods() const { return unknown_pods_; }

  struct CacheState {
    std::string resource;  // "namespaces", "pods", "isolationpolicies"
    bool synced = false;   // listed, and the last request succeeded
    uint64_t failures = 0;
    absl::Status last_error;
  };
  std::vector<CacheState> caches() const;

 private:
  explicit KubeInventorySource(KubeInventoryOptions options) : options_(std::move(options)) {}
  void NoteChange();

  KubeInventoryOptions options_;
  std::unique_ptr<Reflector> namespaces_;
  std::unique_ptr<Reflector> pods_;
  std::unique_ptr<Reflector> policies_watch_;
  std::optional<inventory::CgroupWatch> cgroups_;

  // When the oldest change not yet loaded arrived: set by the reflector
  // threads and the cgroup watch, taken by Load().
  mutable std::mutex change_mu_;
  std::optional<absl::Time> pending_change_;
  std::optional<absl::Time> loaded_change_;

  std::set<std::string> reserved_;
  PolicyObjects policy_objects_;
  std::vector<policy::Policy> policies_;
  bool policies_changed_ = false;
  std::set<std::string> problems_seen_;  // texts of the last Load's problems
  Diagnostics new_problems_;
  size_t unknown_pods_ = 0;
};

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_INVENTORY_SOURCE_H_
