#include "kube/node_inventory.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ip.h"
#include "kube/objects.h"

namespace nsfence::kube {
namespace {

bool Finished(const Pod& pod) { return pod.phase == "Succeeded" || pod.phase == "Failed"; }

// Where a pod's messages point: the API object.
SourcePos ObjectPos(absl::string_view kind, absl::string_view key) { return {.file = absl::StrCat(kind, "/", key)}; }

}  // namespace

NodeInventory BuildNodeInventory(const Snapshot& namespaces, const Snapshot& pods,
                                 const inventory::PodCgroups& cgroups, bool deny_unknown_pods) {
  NodeInventory out;
  std::set<std::string> known_namespaces;
  for (const ObjectPtr& object : namespaces.objects) {
    absl::StatusOr<Namespace> ns = NamespaceFromObject(*object);
    if (!ns.ok()) {
      out.problems.push_back({.pos = {.file = "namespace"}, .message = std::string(ns.status().message())});
      continue;
    }
    Labels labels = std::move(ns->labels);
    labels[kNamespaceNameLabel] = ns->name;  // the API server sets it; older ones did not
    known_namespaces.insert(ns->name);
    out.inventory.namespaces.push_back({.name = ns->name, .labels = std::move(labels), .pos = ObjectPos("namespace", ns->name)});
  }

  std::set<std::string> placed;  // uids of pod cgroups given to a known pod
  std::set<std::string> host_addresses;
  for (const ObjectPtr& object : pods.objects) {
    absl::StatusOr<Pod> pod = PodFromObject(*object);
    if (!pod.ok()) {
      out.problems.push_back({.pos = {.file = "pod"}, .message = std::string(pod.status().message())});
      continue;
    }
    const std::string key = absl::StrCat(pod->namespace_name, "/", pod->name);
    // A finished pod's address may already be another pod's.
    if (Finished(*pod)) continue;
    std::vector<IpAddress> ips;
    for (const std::string& text : pod->ips) {
      absl::StatusOr<IpAddress> ip = IpAddress::Parse(text);
      if (!ip.ok()) {
        out.problems.push_back({.pos = ObjectPos("pod", key), .message = absl::StrCat("status.podIPs: ", ip.status().message())});
        continue;
      }
      if (pod->host_network) {
        if (host_addresses.insert(ip->ToString()).second) out.inventory.host_cidrs.push_back(Cidr::Host(*ip));
      } else {
        ips.push_back(*ip);
      }
    }
    const auto cgroup = cgroups.find(pod->uid);
    const bool local = cgroup != cgroups.end();
    // A pod whose namespace is not known (yet, or any more: the watches of
    // namespaces and pods are apart) cannot be judged: a local one stays an
    // unknown pod, a peer's addresses are the world's, until it arrives.
    if (known_namespaces.count(pod->namespace_name) == 0) continue;
    if (!local && ips.empty()) continue;  // neither enforced here nor a peer
    if (local) placed.insert(pod->uid);
    out.inventory.pods.push_back({.name = pod->name,
                                  .namespace_name = pod->namespace_name,
                                  .uid = pod->uid,
                                  .ips = std::move(ips),
                                  .cgroup = local ? cgroup->second.cgroup : std::string(),
                                  .pos = ObjectPos("pod", key)});
  }

  std::vector<std::string> isolated;
  for (const auto& [uid, cgroup] : cgroups) {
    if (placed.count(uid) > 0) continue;
    out.unknown_pods.push_back(uid);
    if (!deny_unknown_pods) continue;
    const std::string ns = absl::StrCat(kUnknownPodNamespacePrefix, uid);
    out.inventory.namespaces.push_back({.name = ns, .labels = {{kNamespaceNameLabel, ns}}, .pos = ObjectPos("cgroup", cgroup.cgroup)});
    out.inventory.pods.push_back({.name = uid, .namespace_name = ns, .uid = uid, .cgroup = cgroup.cgroup,
                                  .pos = ObjectPos("cgroup", cgroup.cgroup)});
    isolated.push_back(ns);
  }
  if (!isolated.empty()) out.unknown_pods_policy = UnknownPodsPolicy(isolated);
  return out;
}

policy::Policy UnknownPodsPolicy(const std::vector<std::string>& namespaces) {
  policy::Policy p;
  p.name = kUnknownPodsPolicy;
  p.pos = {.file = "--unknown-pods=deny"};
  p.namespace_selector.match_expressions.push_back(
      {.key = kNamespaceNameLabel, .op = LabelRequirement::Operator::kIn, .values = namespaces});
  p.network = policy::NetworkSpec{.cross_namespace = policy::CrossNamespace::kDeny,
                                  .host_ingress = policy::HostIngress::kDeny};
  p.tls = policy::TlsSpec{.min_version = policy::TlsVersion::kTls12, .direction = policy::TlsDirection::kBoth};
  p.containers = policy::ContainersSpec{.privileged = policy::Privileged::kDeny,
                                        .host_namespaces = policy::HostNamespaces::kDeny,
                                        .pos = p.pos};
  return p;
}

}  // namespace nsfence::kube
