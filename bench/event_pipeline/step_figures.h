// What one step of the sweep measured: the generator's own report, and
// with an agent, the kernel's counters, the agent's output and losses and
// what the agent used, with the rates derived from them.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_STEP_FIGURES_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_STEP_FIGURES_H_

#include <cstdint>

#include "flood_run.h"

namespace nsfence::bench {

struct AgentStepFigures {
  // Deltas of the pinned kernel counters over the step.
  uint64_t submitted = 0;       // events_submitted
  uint64_t reserve_failed = 0;  // ringbuf_reserve_failed: lost in the kernel
  uint64_t folded = 0;          // repeats_folded: must stay 0 (one flow per send)
  // Lines the agent printed for the step, and those of kind network.
  uint64_t lines = 0;
  uint64_t network_lines = 0;
  // From the generator's first send to the last line read.
  double output_seconds = 0;
  bool drained = false;  // every submitted record printed within the drain timeout
  // nsfence_events_lost_total{stage} deltas from the agent's metrics endpoint.
  uint64_t lost_kernel_ringbuf = 0;
  uint64_t lost_undecodable = 0;
  uint64_t lost_rate_limit = 0;
  bool metrics_synced = false;  // the endpoint had caught up with the kernel counters
  // The agent's CPU time (utime + stime) and the wall time it is spread over
  // (step start to the later of the last send and the last line).
  double cpu_seconds = 0;
  double window_seconds = 0;
  int64_t rss_kib = 0;  // VmRSS after the step

  uint64_t kernel_events() const { return submitted + reserve_failed; }
  uint64_t lost() const { return lost_kernel_ringbuf + lost_undecodable + lost_rate_limit; }
  double output_rate() const {
    return output_seconds > 0 ? static_cast<double>(lines) / output_seconds : 0;
  }
  double cpu_fraction() const { return window_seconds > 0 ? cpu_seconds / window_seconds : 0; }
  double cpu_us_per_line() const {
    return lines > 0 ? cpu_seconds * 1e6 / static_cast<double>(lines) : 0;
  }
};

struct StepFigures {
  double offered = 0;  // 0: max
  FloodResult flood;
  AgentStepFigures agent;
  // The share of all CPUs that went to other work meanwhile (elsewhere_meter.h).
  double elsewhere = 0;

  double kernel_rate() const {
    return flood.seconds > 0 ? static_cast<double>(agent.kernel_events()) / flood.seconds : 0;
  }
  double loss_fraction() const {
    return flood.denied > 0 ? static_cast<double>(agent.lost()) / static_cast<double>(flood.denied)
                            : 0;
  }
  // Every denied send is a line or a counted loss, and the kernel saw each.
  bool accounted() const {
    const auto denied = static_cast<uint64_t>(flood.denied);
    return agent.drained && agent.metrics_synced && agent.folded == 0 &&
           agent.kernel_events() == denied && agent.lines + agent.lost() == denied &&
           agent.lost_kernel_ringbuf == agent.reserve_failed;
  }
  bool lossless() const { return accounted() && agent.lost() == 0; }
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_STEP_FIGURES_H_
