// A kubeconfig file for a fake API server, as kubectl and
// nsfence::kube::KubeconfigConfig read it: one cluster, user and context.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_KUBECONFIG_FILE_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_KUBECONFIG_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace nsfence::kube::testing {

// Writes `path` (replacing it whole): cluster `server` ("http://..."), a user
// with bearer `token` (none when empty), and a current-context naming both.
absl::Status WriteKubeconfig(const std::string& path, const std::string& server,
                             const std::string& token);

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_KUBECONFIG_FILE_H_
