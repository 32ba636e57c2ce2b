// What /proc tells about a running process.
#ifndef NSFENCE_BENCH_PROCESS_STATS_H_
#define NSFENCE_BENCH_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>

namespace nsfence::bench {

// Resident memory (VmRSS); 0 when unknown.
int64_t ResidentKib(pid_t pid);
// User plus system CPU time so far; 0 when unknown.
double CpuSeconds(pid_t pid);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_PROCESS_STATS_H_
