#include "kube/config.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::kube {
namespace {

constexpr char kNotInPod[] =
    "is not set: the agent is not running in a Kubernetes pod; outside a cluster use a kubeconfig";

absl::StatusOr<std::string> RequireEnv(const InClusterSources& sources, const char* name) {
  const char* value = sources.getenv != nullptr ? sources.getenv(name) : std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(name, " ", kNotInPod));
  }
  return std::string(value);
}

// Fails now rather than at the first request, with the fix in the message.
absl::Status RequireReadable(const std::string& path, absl::string_view what) {
  if (access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return ErrnoStatus(errno, absl::StrCat("in-cluster config: ", what, " ", path,
                                         " (is automountServiceAccountToken off for the pod?)"));
}

}  // namespace

absl::StatusOr<ClusterConfig> InClusterConfig(const InClusterSources& sources) {
  absl::StatusOr<std::string> host = RequireEnv(sources, "KUBERNETES_SERVICE_HOST");
  if (!host.ok()) return host.status();
  absl::StatusOr<std::string> port = RequireEnv(sources, "KUBERNETES_SERVICE_PORT");
  if (!port.ok()) return port.status();
  if (absl::StrContains(*host, ':') && !absl::StartsWith(*host, "[")) {
    *host = absl::StrCat("[", *host, "]");  // an IPv6 address in a URL
  }
  if (absl::Status s = RequireReadable(sources.token_file, "service account token"); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireReadable(sources.ca_file, "service account CA"); !s.ok()) return s;

  ClusterConfig config;
  config.server = absl::StrCat("https://", *host, ":", *port);
  config.ca_file = sources.ca_file;
  config.token_file = sources.token_file;
  return config;
}

}  // namespace nsfence::kube
