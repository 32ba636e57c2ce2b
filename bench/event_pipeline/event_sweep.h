// The benchmark proper: on a private testbed, in each round, the flood
// generator at each offered rate without an agent (the baseline), then the
// same steps with an agent running throughout the round (aggregation and
// rate limits off), each step measured from the kernel's counters, the
// agent's stdout and its metrics.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_EVENT_SWEEP_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_EVENT_SWEEP_H_

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "event_bench_options.h"
#include "step_figures.h"

namespace nsfence::bench {

// One offered rate, measured once per round.
struct SweepStep {
  double offered = 0;  // 0: max
  std::vector<FloodResult> baseline;  // without an agent; empty without a baseline
  std::vector<StepFigures> rounds;    // with the agent
};

struct SweepResult {
  std::vector<SweepStep> steps;  // in the order of the offered rates
  std::string agent_flags;
  // Problems with the output (a line that is not the expected JSON event)
  // or the agent's exit; empty when there were none.
  std::vector<std::string> problems;
};

// Progress goes to `progress`. Stops early, with an error, once
// `*stop_requested` is set.
absl::StatusOr<SweepResult> RunEventSweep(const EventBenchConfig& config,
                                          const std::atomic<bool>& stop_requested,
                                          std::ostream& progress);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_EVENT_SWEEP_H_
