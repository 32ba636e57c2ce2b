// One step of the sweep with the agent running: the generator at one
// offered rate, then the wait until the agent printed every record the
// kernel submitted, then the wait until the agent's metrics caught up with
// the kernel's counters; the figures are the differences over the step.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_AGENT_STEP_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_AGENT_STEP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent_pipe.h"
#include "kernel_counters.h"
#include "step_figures.h"
#include "support/testbed/pod.h"

namespace nsfence::bench {

struct AgentStepSetup {
  AgentPipe& agent;
  const PinnedKernelCounters& counters;
  const std::string& metrics_address;  // HOST:PORT of the agent's /metrics
  const testbed::Pod& source;
  const testbed::Pod& sink;
  const std::string& load_binary;
  absl::Duration duration;
  int generator_cpu = -1;
  // Past it the step counts as not drained.
  absl::Duration drain_timeout;
};

absl::StatusOr<StepFigures> MeasureAgentStep(const AgentStepSetup& setup, double rate);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_AGENT_STEP_H_
