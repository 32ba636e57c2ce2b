// The inventory of one node, built from the API caches and the node's
// kubelet cgroups:
//   namespaces -> namespaces with their labels;
//   pods (cluster-wide) that are not Succeeded or Failed -> peers by IP; a
//     hostNetwork pod's IPs are its node's, so they count as host addresses;
//   pods whose uid names a pod cgroup here -> enforced by that cgroup;
//   pods of a namespace not known (yet, or any more) -> left out: every pod
//     of the inventory has its namespace.
// A pod cgroup with no known Pod (or whose Pod's namespace is not known yet)
// is an "unknown pod": with deny_unknown_pods it is put alone in a namespace
// of its own, "unknown-pod:<uid>" (never a Kubernetes name: those have no
// ':'), which UnknownPodsPolicy governs with the strictest settings; with
// allow it is left out, ungoverned.
#ifndef NSFENCE_KUBE_NODE_INVENTORY_H_
#define NSFENCE_KUBE_NODE_INVENTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "inventory/cgroup_scan.h"
#include "inventory/model.h"
#include "kube/reflector.h"
#include "policy/model.h"

namespace nsfence::kube {

inline constexpr char kUnknownPodsPolicy[] = "nsfence:unknown-pods";
inline constexpr char kUnknownPodNamespacePrefix[] = "unknown-pod:";

struct NodeInventory {
  inventory::Inventory inventory;
  // Uids of the unknown pods (deny: in the inventory; allow: left out).
  std::vector<std::string> unknown_pods;
  // With deny and unknown pods: the policy that isolates them.
  std::optional<policy::Policy> unknown_pods_policy;
  // Objects that could not be read (no name, no uid, a bad IP), skipped.
  Diagnostics problems;
};

NodeInventory BuildNodeInventory(const Snapshot& namespaces, const Snapshot& pods,
                                 const inventory::PodCgroups& cgroups, bool deny_unknown_pods);

// Governs the namespaces named: no traffic but loopback in either direction
// (cross-namespace deny, no rules, host ingress denied), TLS floor 1.2,
// privileged containers and host namespaces refused.
policy::Policy UnknownPodsPolicy(const std::vector<std::string>& namespaces);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_NODE_INVENTORY_H_
