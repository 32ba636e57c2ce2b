// The fields nsfence reads from Namespace, Pod and IsolationPolicy objects
// as the API returns them (JSON in a Struct). Everything else is ignored, so
// new API fields never break the agent.
#ifndef NSFENCE_KUBE_OBJECTS_H_
#define NSFENCE_KUBE_OBJECTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "kube/json.h"
#include "policy/parser.h"

namespace nsfence::kube {

// "namespace/name", or "name" for cluster-scoped objects: the cache key.
std::string ObjectKey(const Struct& object);
std::string ResourceVersionOf(const Struct& object);

struct Namespace {
  std::string name;
  Labels labels;
  std::string resource_version;
};

struct Pod {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string node_name;  // empty until scheduled
  // status.podIPs[].ip, or status.podIP for servers that lack podIPs; empty
  // until the sandbox has an address.
  std::vector<std::string> ips;
  bool host_network = false;  // the IPs are the node's
  std::string phase;          // Pending, Running, Succeeded, Failed, Unknown
  std::string qos_class;      // Guaranteed, Burstable, BestEffort: the cgroup's parent
  // "containerd://<id>", "cri-o://<id>" of init, app and ephemeral containers
  // that have started: the ids in their cgroup names.
  std::vector<std::string> container_ids;
  std::string resource_version;
};

struct IsolationPolicyObject {
  std::string name;
  std::string resource_version;
  // The object as a policy file (JSON is YAML): apiVersion, kind,
  // metadata.name and labels, spec. Server-set metadata (uid,
  // managedFields, ...) and status are left out: the strict policy parser
  // refuses fields a policy file cannot have.
  std::string text;
};

// InvalidArgument naming the object when it has no name (or a pod no
// namespace or uid).
absl::StatusOr<Namespace> NamespaceFromObject(const Struct& object);
absl::StatusOr<Pod> PodFromObject(const Struct& object);
absl::StatusOr<IsolationPolicyObject> IsolationPolicyFromObject(const Struct& object);

// policy::ParsePolicies over the policy's text, positions naming
// "isolationpolicy/<name>".
policy::ParseResult ParseIsolationPolicy(const IsolationPolicyObject& object);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_OBJECTS_H_
