#include "flood_testbed.h"

#include "bench_policies.h"
#include "bench_text.h"
#include "common/status_macros.h"

namespace nsfence::bench {

absl::StatusOr<FloodTestbed> BuildFloodTestbed(const std::string& bin_dir, const std::string& dir) {
  FloodTestbed bed;
  NSF_ASSIGN_OR_RETURN(bed.testbed, testbed::Testbed::Create({.bin_dir = bin_dir}));
  NSF_RETURN_IF_ERROR(bed.testbed->AddNamespace(kFloodNamespace));
  NSF_RETURN_IF_ERROR(bed.testbed->AddNamespace(kSinkNamespace));
  NSF_ASSIGN_OR_RETURN(bed.source, bed.testbed->AddPod(kFloodNamespace, kFloodPod));
  NSF_ASSIGN_OR_RETURN(bed.sink, bed.testbed->AddPod(kSinkNamespace, kSinkPod));
  bed.inventory_path = dir + "/inventory.yaml";
  bed.policy_path = dir + "/policies.yaml";
  NSF_RETURN_IF_ERROR(bed.testbed->WriteInventory(bed.inventory_path));
  NSF_RETURN_IF_ERROR(
      WriteTextFile(bed.policy_path, IsolationPolicyYaml(kFloodPolicy, kFloodNamespace, "")));
  return bed;
}

}  // namespace nsfence::bench
