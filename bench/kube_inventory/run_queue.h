// How long a process's threads were ready to run but waited for a CPU
// (/proc/<pid>/task/<tid>/schedstat, second field): on a shared machine,
// the time other work took from it. Threads that ended meanwhile are not
// counted.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_RUN_QUEUE_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_RUN_QUEUE_H_

#include <sys/types.h>

namespace nsfence::bench {

// Seconds all threads of `pid` have waited on a run queue so far; 0 when
// unknown (no schedstats).
double RunQueueWaitSeconds(pid_t pid);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_RUN_QUEUE_H_
