// The files an agent of one size reads: inventory and policies for the two
// measured namespaces plus fillers up to a total namespace count.
#ifndef NSFENCE_BENCH_AGENT_INPUTS_H_
#define NSFENCE_BENCH_AGENT_INPUTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "support/testbed/testbed.h"

namespace nsfence::bench {

// The two measured namespaces count towards the total.
inline constexpr int kMeasuredNamespaces = 2;

struct AgentInputs {
  int namespaces = 0;
  // The measured namespaces' policies set a TLS floor (bench_policies.h).
  bool tls_floor = false;
  // The client namespace's policy has a `containers` section (bench_policies.h).
  bool container_guard = false;
  int policies = 0;
  std::string inventory_path;
  std::string policy_path;
};

// Writes <dir>/inventory-<namespaces>.yaml and <dir>/policies-<namespaces>.yaml
// (with a TLS floor: <dir>/policies-<namespaces>-tls.yaml; with the container
// guard: <dir>/policies-<namespaces>-containers.yaml).
absl::StatusOr<AgentInputs> WriteAgentInputs(const testbed::Testbed& testbed, int namespaces,
                                             bool tls_floor, bool container_guard,
                                             const std::string& dir);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_AGENT_INPUTS_H_
