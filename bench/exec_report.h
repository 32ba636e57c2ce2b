// The exec part of the report, for the scenarios that ran the exec loop (no
// agent, and the agent whose client policy guards containers): execs per
// second with their ratio to the no-agent baseline; what the agent's BPF
// programs cost per exec, the exec program's own share apart; and the
// verdict against the exec target. Prints nothing when no scenario ran it.
#ifndef NSFENCE_BENCH_EXEC_REPORT_H_
#define NSFENCE_BENCH_EXEC_REPORT_H_

#include <ostream>
#include <vector>

#include "scenario_results.h"

namespace nsfence::bench {

// Exec rate (fork + exec of /bin/true) in a pod under the container guard,
// relative to no agent.
inline constexpr double kTargetExecRatio = 0.95;

// The figures table, its rounds and the cost per exec; the first scenario is
// the baseline.
void PrintExecFigures(const std::vector<ScenarioResults>& scenarios, std::ostream& out);
// Verdict lines, indented like the report's others; whether the exec target
// was met (true when there is nothing to judge).
bool PrintExecVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EXEC_REPORT_H_
