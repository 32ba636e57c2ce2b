// How to reach and authenticate to a Kubernetes API server: in a pod from its
// service account (InClusterConfig), elsewhere from a kubeconfig
// (kube/kubeconfig.h). Plain data: kube/http_client.h turns it into requests.
#ifndef NSFENCE_KUBE_CONFIG_H_
#define NSFENCE_KUBE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"

namespace nsfence::kube {

struct ClusterConfig {
  // "https://10.96.0.1:443"; the API paths are appended to it.
  std::string server;

  // The CA bundle that signs the server's certificate: a file or PEM text
  // (at most one of them; neither means the system's CAs).
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;

  // A bearer token: fixed, or read from a file that is re-read whenever it
  // changes, because the kubelet rotates service account tokens on disk.
  std::string token;
  std::string token_file;

  // A client certificate and its key, as files or PEM text (optional).
  std::string client_cert_file;
  std::string client_cert_pem;
  std::string client_key_file;
  std::string client_key_pem;
};

// Where a pod finds its service account; overridable for tests.
struct InClusterSources {
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  // Reads an environment variable (nullptr when unset).
  const char* (*getenv)(const char* name) = nullptr;
};

// The API server from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT (an
// IPv6 host is bracketed), authenticated by the service account's token and
// CA. Fails, naming what is missing, outside a pod or without a token.
absl::StatusOr<ClusterConfig> InClusterConfig(const InClusterSources& sources = {});

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_CONFIG_H_
