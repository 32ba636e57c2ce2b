// The printed result of a benchmark: figures per scenario (medians over
// rounds) with ratios against the no-agent baseline, agent start and stop
// times per size, and the verdict against the targets.
#ifndef NSFENCE_BENCH_REPORT_H_
#define NSFENCE_BENCH_REPORT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "agent_run.h"
#include "cpu_meter.h"
#include "load_runner.h"

namespace nsfence::bench {

// Connection rate with the agent, relative to none.
inline constexpr double kTargetConnectionRatio = 0.97;
// CPU use outside the pods (fraction of all CPUs) above which a measurement
// counts as disturbed.
inline constexpr double kQuietThreshold = 0.10;

struct ScenarioResults {
  std::string label;
  // Namespaces in the agent's inventory; nullopt: no agent.
  std::optional<int> namespaces;
  std::vector<LoadFigures> rounds;
  // CPU use during each round's measurement.
  std::vector<CpuUse> cpu;
  std::vector<AgentStartup> startups;
  std::vector<AgentStop> stops;
};

// The first scenario is the baseline.
void PrintReport(const std::vector<ScenarioResults>& scenarios, std::ostream& out);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_REPORT_H_
