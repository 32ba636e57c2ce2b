// A ClusterConfig from a kubeconfig file, as kubectl reads it, for running
// the agent outside a cluster (development, tests against kind).
#ifndef NSFENCE_KUBE_KUBECONFIG_H_
#define NSFENCE_KUBE_KUBECONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/config.h"

namespace nsfence::kube {

// The cluster and user of `context` (empty: the file's current-context).
// Understood: cluster server, certificate-authority(-data),
// insecure-skip-tls-verify; user token, tokenFile, client-certificate(-data),
// client-key(-data). Relative paths are relative to the file's directory, as
// for kubectl. Users that authenticate with exec or auth-provider plugins are
// refused by name.
absl::StatusOr<ClusterConfig> KubeconfigConfig(const std::string& path,
                                               absl::string_view context = "");

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_KUBECONFIG_H_
