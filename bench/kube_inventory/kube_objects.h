// The API objects the benchmark publishes, shaped as a real API server
// returns them (tests/support/kube/api_objects.h), and pod uids unique to
// this run.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_KUBE_OBJECTS_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_KUBE_OBJECTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/json.h"

namespace nsfence::bench {

inline constexpr char kNodeName[] = "bench-node";
inline constexpr char kTierLabel[] = "nsfence.io/tier";
inline constexpr char kJobsPolicyName[] = "jobs";
// The port infra namespaces serve jobs on; the one port the policy allows.
inline constexpr int kInfraPort = 8080;

// The IsolationPolicy: namespaces labelled tier=job may not reach other
// namespaces, except tier=infra ones on TCP kInfraPort.
absl::StatusOr<kube::Struct> JobsPolicyObject();
// A Namespace labelled nsfence.io/tier=<tier>.
absl::StatusOr<kube::Struct> NamespaceObject(absl::string_view name, absl::string_view tier);
// A Pod bound to kNodeName, not started yet: no address, no container.
absl::StatusOr<kube::Struct> PendingPodObject(absl::string_view ns, absl::string_view name, absl::string_view uid);
// A running Pod on kNodeName with address `ip`.
absl::StatusOr<kube::Struct> RunningPodObject(absl::string_view ns, absl::string_view name, absl::string_view uid,
                                              absl::string_view ip);

// What a pod cgroup's uid stands for.
enum class UidKind : uint16_t { kApiEventSample = 1, kCgroupSample = 2, kChurnPod = 3 };
// A UUID this process alone makes: its pid, the kind, the index.
std::string BenchUid(UidKind kind, uint64_t index);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_KUBE_OBJECTS_H_
