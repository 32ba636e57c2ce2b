// The policies of a benchmark run, as one multi-document YAML file:
//   bench-client (bench-a): egress to bench-b on the load ports (TLS ones
//     included), to every filler on TCP 443 and to the internet on TCP 443;
//   bench-server (bench-b): ingress from bench-a on the load ports and from
//     every filler on TCP 443; egress to bench-a over UDP, for its echoes;
//   with a TLS floor, both of these also set `tls: {minVersion: "1.2",
//     direction: both}`: the measured pods may neither offer (as clients)
//     nor select (as servers) a TLS version below 1.2;
//   with the container guard, bench-client also has a `containers` section
//     (privileged: deny, allowedCapabilities: [], hostNamespaces: deny):
//     every exec in the client pod is judged, and one whose bounding set
//     holds a capability outside the runtime default set, or that shares a
//     namespace with the node, is stopped;
//   filler-<n>: a policy per filler, egress to the next filler and to
//     bench-b, ingress from the previous filler.
// Every namespace is governed with crossNamespace: deny, so the rulesets of
// the measured pair hold a rule per filler and the maps hold a ruleset per
// namespace.
#ifndef NSFENCE_BENCH_BENCH_POLICIES_H_
#define NSFENCE_BENCH_BENCH_POLICIES_H_

#include <string>
#include <vector>

#include "fillers.h"

namespace nsfence::bench {

// The TLS floor every TLS scenario sets.
inline constexpr char kBenchTlsFloor[] = "1.2";

std::string BenchPoliciesYaml(const std::vector<Filler>& fillers, bool tls_floor,
                              bool container_guard);

// One IsolationPolicy document (with its leading ---) for the namespace named
// `selected_namespace`, mode enforce, crossNamespace: deny; `rules` are
// indented lines below `network:`, `tls` and `containers` lines below
// `spec:` (or empty).
std::string IsolationPolicyYaml(const std::string& name, const std::string& selected_namespace,
                                const std::string& rules, const std::string& tls = "",
                                const std::string& containers = "");

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_POLICIES_H_
