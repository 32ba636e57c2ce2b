#include "agent_inputs.h"

#include <cerrno>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "bench_inventory.h"
#include "bench_policies.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fillers.h"

namespace nsfence::bench {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return ErrnoStatus(errno, absl::StrCat("writing ", path));
  return absl::OkStatus();
}

}  // namespace

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
  NSF_RETURN_IF_ERROR(WriteFile(inputs.inventory_path, BenchInventoryYaml(testbed, fillers)));
  NSF_RETURN_IF_ERROR(
      WriteFile(inputs.policy_path, BenchPoliciesYaml(fillers, tls_floor, container_guard)));
  return inputs;
}

}  // namespace nsfence::bench
