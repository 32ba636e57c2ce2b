// One run of the flood generator (nsfence-bench-load udp-flood) in the
// source pod against the sink pod, and what it reports.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_RUN_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_RUN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/testbed/pod.h"

namespace nsfence::bench {

struct FloodRequest {
  double rate = 0;  // datagrams/s; 0: as fast as it can
  absl::Duration duration = absl::Seconds(1);
  int cpu = -1;  // -1: not pinned
};

struct FloodResult {
  int64_t sends = 0;
  int64_t sent = 0;    // went out (no agent)
  int64_t denied = 0;  // EPERM: one violation each
  int64_t errors = 0;
  std::string first_error;
  double seconds = 0;  // first send to last
  int64_t start_ns = 0, end_ns = 0;  // CLOCK_MONOTONIC
  double rate() const { return seconds > 0 ? static_cast<double>(sends) / seconds : 0; }
};

absl::StatusOr<FloodResult> RunFlood(const testbed::Pod& source, const testbed::Pod& sink,
                                     const std::string& load_binary, const FloodRequest& request);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_RUN_H_
