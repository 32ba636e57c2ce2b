// The command line of nsfence-event-bench.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_EVENT_BENCH_OPTIONS_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_EVENT_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::bench {

struct EventBenchConfig {
  // Offered violations per second, one sweep step each, in this order; 0:
  // as fast as the generator can ("max").
  std::vector<double> rates = {50000, 100000, 200000, 300000, 400000, 500000, 600000, 0};
  absl::Duration step = absl::Seconds(5);
  // Each round measures every step without and with an agent (a fresh one).
  int rounds = 1;
  // --ringbuf-bytes of the agent; 0: the agent's default.
  uint64_t ringbuf_bytes = 0;
  // The generator runs on this CPU (-1: any), the agent on the others.
  int generator_cpu = -1;
  // How long the agent may take, after the generator stopped, to print
  // what the kernel submitted; past it the step counts as not drained.
  absl::Duration drain_timeout = absl::Seconds(60);
  absl::Duration agent_ready_timeout = absl::Minutes(1);
  // A step during which other work took much of the CPUs is measured again,
  // up to this many times in all (elsewhere_meter.h); before each round
  // the benchmark waits up to quiet_timeout for the machine to calm down.
  int attempts = 3;
  absl::Duration quiet_timeout = absl::Seconds(30);
  // Without the no-agent baseline steps.
  bool baseline = true;
  // The agent to measure; empty: nsfence-agent next to this program.
  std::string agent_binary;
};

struct EventBenchOptions {
  EventBenchConfig config;
  bool help = false;
};

std::string EventBenchUsage();
// "--flag value" or "--flag=value"; `args` without the program name.
absl::StatusOr<EventBenchOptions> ParseEventBenchArgs(const std::vector<std::string>& args);

// "50k", "1.5M", "max" for a rate.
std::string RateName(double rate);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_EVENT_BENCH_OPTIONS_H_
