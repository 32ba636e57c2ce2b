// Exec rate of a container process: fork, execve of a program (/bin/true)
// and waitpid, one after the other, from a worker placed the way a
// container runtime places a container's processes, so that an exec guard
// judges every exec in full instead of taking one of its early exits:
//   - in the pod's network namespace (setns), and in a mount, pid and IPC
//     namespace of its own (unshare, then fork: the worker is pid 1 of the
//     new pid namespace), so it shares none of the node's namespaces;
//   - in the pod's cgroup (it writes itself into cgroup.procs after the
//     fork, so no exec happens in the cgroup before it is in place);
//   - with its bounding set reduced to `bounding_set` (PR_CAPBSET_DROP of
//     every other capability), e.g. the runtime default set.
// The caller (this process) stays on the node and only waits: it never
// execs after entering the namespaces.
#ifndef NSFENCE_BENCH_LOAD_EXEC_LOOP_H_
#define NSFENCE_BENCH_LOAD_EXEC_LOOP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "load/timing.h"

namespace nsfence::bench {

struct ContainerPlacement {
  // Absolute cgroup v2 directory of the pod (or its container cgroup).
  std::string cgroup;
  // The pod's network namespace, e.g. /run/netns/NAME.
  std::string netns_path;
  // Capabilities (1 << CAP_*) the worker keeps in its bounding set;
  // nullopt: it keeps this process's (all, for root).
  std::optional<uint64_t> bounding_set;
};

// The measured loop. Every child must exit 0; the first that does not (for
// instance killed by an exec guard's SIGKILL, or exit 127 when its execve
// failed) ends the loop. Prints "execs=N seconds=S warmup_execs=W
// failures=F [first_failure=WHAT]" (WHAT: "SIGKILL", "exit-127", or
// "fork-EAGAIN"); exit code 0 when there were no failures.
int RunExecLoop(const ContainerPlacement& placement, const std::string& program,
                const RunPhases& phases);

// One exec of `program` from a worker placed alike: how it ended. Prints
// "exited status=N" (it ran), "killed signal=NAME" (stopped after exec, e.g.
// by SIGKILL) or "refused error=NAME" (execve failed, e.g. EPERM). Exit code
// 0 unless the worker could not be set up.
int RunExecProbe(const ContainerPlacement& placement, const std::string& program);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_EXEC_LOOP_H_
