// CPU use of the whole machine against that of the testbed's pods. Other
// work on a shared machine (builds, other tests) takes CPU from the pods and
// distorts their figures; this tells how much there was, so that the
// benchmark can wait for a quiet machine and flag disturbed measurements.
#ifndef NSFENCE_BENCH_CPU_METER_H_
#define NSFENCE_BENCH_CPU_METER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::bench {

struct CpuCounters {
  double machine_busy_seconds = 0;   // every CPU, every state but idle and iowait
  double machine_total_seconds = 0;  // every CPU, every state
  double pods_seconds = 0;           // tasks in the pods' cgroup subtree
};

// Fractions of all CPUs' time between two readings.
struct CpuUse {
  double busy = 0;
  double pods = 0;
  // Busy outside the pods: other processes, and kernel threads (also those
  // doing the pods' network work, so it is not zero on an idle machine).
  double others() const { return busy > pods ? busy - pods : 0; }
};

class CpuMeter {
 public:
  // `pods_cgroup`: absolute cgroup v2 directory holding every pod.
  explicit CpuMeter(std::string pods_cgroup) : pods_cgroup_(std::move(pods_cgroup)) {}

  absl::StatusOr<CpuCounters> Read() const;
  // Reads, sleeps for `window`, reads again.
  absl::StatusOr<CpuUse> Sample(absl::Duration window) const;

 private:
  std::string pods_cgroup_;
};

CpuUse UseBetween(const CpuCounters& before, const CpuCounters& after);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_CPU_METER_H_
