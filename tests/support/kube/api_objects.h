// Objects shaped as a real API server returns them (kubectl get -o json of a
// v1.29 cluster, names changed), managedFields and all.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_API_OBJECTS_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_API_OBJECTS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/labels.h"
#include "kube/json.h"

namespace nsfence::kube::testing {

// A Namespace with labels kubernetes.io/metadata.name=<name> and team=<team>.
std::string NamespaceJson(absl::string_view name, absl::string_view team,
                          absl::string_view resource_version = "100");
// A Namespace with `labels`, and kubernetes.io/metadata.name=<name>, which
// the API server always sets.
std::string NamespaceWithLabels(absl::string_view name, const Labels& labels,
                                absl::string_view resource_version = "100");

// A running Burstable pod of a Job on `node` with one container
// ("containerd://<uid>-c0") and address `ip` (status.podIP and podIPs).
std::string PodJson(absl::string_view ns, absl::string_view name, absl::string_view uid,
                    absl::string_view node, absl::string_view ip);

// What a pod of PodJson can be instead of running and Burstable.
struct PodOptions {
  std::string qos_class = "Burstable";  // also Guaranteed, BestEffort (resources to match)
  // Then `ip` should be the node's address, which hostIP becomes too.
  bool host_network = false;
  // Pending: no address and no container ID yet. Succeeded, Failed: the
  // container terminated, the address kept.
  std::string phase = "Running";
};
std::string PodJson(absl::string_view ns, absl::string_view name, absl::string_view uid,
                    absl::string_view node, absl::string_view ip, const PodOptions& options);

// An enforcing IsolationPolicy as kubectl apply leaves it: server-set
// metadata, the last-applied annotation, a status.
std::string IsolationPolicyJson(absl::string_view name);

// The object, or a test failure and an empty object.
Struct Parse(absl::string_view json);

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_API_OBJECTS_H_
