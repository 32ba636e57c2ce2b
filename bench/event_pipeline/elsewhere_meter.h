// How much of the machine's CPU went elsewhere during a measurement: busy
// time on every CPU, less the pods (the generator and the kernel work it
// does), the agent and this program. Other work on a shared machine (builds,
// tests) takes CPU from the generator and the agent and so distorts a step;
// this tells how much there was, so that a disturbed step can be measured
// again. Kernel threads count as elsewhere (also the ones that do the pods'
// network work), so it is not zero on an idle machine.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_ELSEWHERE_METER_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_ELSEWHERE_METER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "cpu_meter.h"

namespace nsfence::bench {

// A step during which more than this share of all CPUs went elsewhere is
// measured again.
inline constexpr double kElsewhereThreshold = 0.10;

class ElsewhereMeter {
 public:
  // `pods_cgroup`: the cgroup v2 directory holding every pod.
  explicit ElsewhereMeter(std::string pods_cgroup) : meter_(std::move(pods_cgroup)) {}

  // From now on; `agent` is the agent's pid, or -1 when none runs.
  absl::Status Start(pid_t agent);
  // The share of all CPUs' time since Start that went elsewhere.
  absl::StatusOr<double> Elsewhere() const;

 private:
  double OwnSeconds() const;

  CpuMeter meter_;
  pid_t agent_ = -1;
  CpuCounters start_;
  double own_start_ = 0;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_ELSEWHERE_METER_H_
