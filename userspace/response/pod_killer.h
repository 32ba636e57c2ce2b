// kill-pod-processes: SIGKILL to every process in a pod's cgroup tree.
#ifndef NSFENCE_RESPONSE_POD_KILLER_H_
#define NSFENCE_RESPONSE_POD_KILLER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace nsfence::response {

struct KillResult {
  size_t processes = 0;       // found in the tree just before the kill
  bool used_cgroup_kill = false;  // cgroup.kill (Linux 5.14+), else kill(2) per process
};

// Kills every process in the cgroup v2 directory `pod_dir` and below: one
// write to cgroup.kill where the kernel has it (atomic, no process escapes by
// forking), else SIGKILL to each pid in the tree's cgroup.procs, repeated
// until the tree is empty or a few passes find it still refilling.
absl::StatusOr<KillResult> KillPodProcesses(const std::string& pod_dir);

}  // namespace nsfence::response

#endif  // NSFENCE_RESPONSE_POD_KILLER_H_
