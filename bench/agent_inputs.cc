#include "agent_inputs.h"

#include "absl/strings/str_cat.h"
#include "bench_inventory.h"
#include "bench_policies.h"
#include "bench_text.h"
#include "common/status_macros.h"
#include "fillers.h"

namespace nsfence::bench {

absl::StatusOr<AgentInputs> WriteAgentInputs(const testbed::Testbed& testbed, int namespaces,
                                             bool tls_floor, bool container_guard,
                                             const std::string& dir) {
  const int filler_count = namespaces - kMeasuredNamespaces;
  if (filler_count < 0 || filler_count > kMaxFillers) {
    return absl::InvalidArgumentError(absl::StrCat("namespace count ", namespaces, " is not in [",
                                                   kMeasuredNamespaces, ", ",
                                                   kMaxFillers + kMeasuredNamespaces, "]"));
  }
  const std::vector<Filler> fillers = MakeFillers(filler_count);
  AgentInputs inputs{
      .namespaces = namespaces,
      .tls_floor = tls_floor,
      .container_guard = container_guard,
      .policies = namespaces,  // one per filler, one per measured namespace
      .inventory_path = absl::StrCat(dir, "/inventory-", namespaces, ".yaml"),
      .policy_path = absl::StrCat(dir, "/policies-", namespaces, tls_floor ? "-tls" : "",
                                  container_guard ? "-containers" : "", ".yaml"),
  };
  NSF_RETURN_IF_ERROR(WriteTextFile(inputs.inventory_path, BenchInventoryYaml(testbed, fillers)));
  NSF_RETURN_IF_ERROR(
      WriteTextFile(inputs.policy_path, BenchPoliciesYaml(fillers, tls_floor, container_guard)));
  return inputs;
}

}  // namespace nsfence::bench
