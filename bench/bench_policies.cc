#include "bench_policies.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "bench_topology.h"

namespace nsfence::bench {
namespace {

std::string NamespacePeer(const std::string& name) {
  return absl::StrCat("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ", name,
                      "}}}");
}

std::string FillersPeer() {
  return absl::StrCat("{namespaceSelector: {matchLabels: {", kRoleLabel, ": ", kFillerRole, "}}}");
}

// The `tls` section of a measured namespace's policy; empty without a floor.
std::string TlsSection(bool tls_floor) {
  if (!tls_floor) return "";
  return absl::StrCat(
      "  tls:\n"
      "    minVersion: \"",
      kBenchTlsFloor,
      "\"\n"
      "    direction: both\n");
}

// The `containers` section of the client's policy; empty without the guard.
// No capability beyond the runtime default set is allowed.
std::string ContainersSection(bool container_guard) {
  if (!container_guard) return "";
  return "  containers:\n"
         "    privileged: deny\n"
         "    allowedCapabilities: []\n"
         "    hostNamespaces: deny\n";
}

// One IsolationPolicy document; `rules` are indented lines below `network:`,
// `tls` and `containers` lines below `spec:` (or empty).
std::string Policy(const std::string& name, const std::string& selected_namespace,
                   const std::string& rules, const std::string& tls = "",
                   const std::string& containers = "") {
  return absl::Substitute(R"(---
apiVersion: nsfence.io/v1alpha1
kind: IsolationPolicy
metadata:
  name: $0
spec:
  namespaceSelector:
    matchLabels: {kubernetes.io/metadata.name: $1}
  mode: enforce
  network:
    crossNamespace: deny
$2$3$4)",
                          name, selected_namespace, rules, tls, containers);
}

std::string LoadPorts() {
  return absl::Substitute(
      "[{protocol: TCP, port: $0, endPort: $1}, {protocol: UDP, port: $0}, "
      "{protocol: TCP, port: $2, endPort: $3}]",
      kEchoPort, kClosePort, kTlsHandshakePort, kTlsBulkPort);
}

std::string ClientPolicy(bool tls_floor, bool container_guard) {
  return Policy("bench-client", kClientNamespace,
                absl::StrCat("    egress:\n"
                             "      - to: [",
                             NamespacePeer(kServerNamespace), "]\n", "        ports: ", LoadPorts(),
                             "\n", "      - to: [", FillersPeer(), "]\n",
                             "        ports: [{protocol: TCP, port: 443}]\n",
                             "      - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n",
                             "        ports: [{protocol: TCP, port: 443}]\n"),
                TlsSection(tls_floor), ContainersSection(container_guard));
}

std::string ServerPolicy(bool tls_floor) {
  return Policy(
      "bench-server", kServerNamespace,
      absl::StrCat("    ingress:\n"
                   "      - from: [",
                   NamespacePeer(kClientNamespace), "]\n", "        ports: ", LoadPorts(), "\n",
                   "      - from: [", FillersPeer(), "]\n",
                   "        ports: [{protocol: TCP, port: 443}]\n",
                   // Echoes from an unconnected UDP socket are judged
                   // like any datagram it sends.
                   "    egress:\n"
                   "      - to: [",
                   NamespacePeer(kClientNamespace), "]\n", "        ports: [{protocol: UDP}]\n"),
      TlsSection(tls_floor));
}

std::string FillerPolicy(const std::vector<Filler>& fillers, size_t i) {
  const Filler& next = fillers[(i + 1) % fillers.size()];
  const Filler& previous = fillers[(i + fillers.size() - 1) % fillers.size()];
  return Policy(fillers[i].namespace_name, fillers[i].namespace_name,
                absl::StrCat("    egress:\n"
                             "      - to: [",
                             NamespacePeer(next.namespace_name), "]\n",
                             "        ports: [{protocol: TCP, port: 8443}]\n", "      - to: [",
                             NamespacePeer(kServerNamespace), "]\n",
                             "        ports: [{protocol: TCP, port: 443}]\n",
                             "    ingress:\n"
                             "      - from: [",
                             NamespacePeer(previous.namespace_name), "]\n",
                             "        ports: [{protocol: TCP, port: 8443}]\n"));
}

}  // namespace

std::string IsolationPolicyYaml(const std::string& name, const std::string& selected_namespace,
                                const std::string& rules, const std::string& tls,
                                const std::string& containers) {
  return Policy(name, selected_namespace, rules, tls, containers);
}

std::string BenchPoliciesYaml(const std::vector<Filler>& fillers, bool tls_floor,
                              bool container_guard) {
  std::string out =
      absl::StrCat(ClientPolicy(tls_floor, container_guard), ServerPolicy(tls_floor));
  for (size_t i = 0; i < fillers.size(); ++i) absl::StrAppend(&out, FillerPolicy(fillers, i));
  return out;
}

}  // namespace nsfence::bench
