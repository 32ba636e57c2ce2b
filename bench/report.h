// The printed result of a benchmark: figures per scenario (medians over
// rounds) with ratios against the no-agent baseline, network, TLS and exec
// (see tls_report.h and exec_report.h), what the datapath itself costs, agent start and stop times
// per size, and the verdict against the targets.
#ifndef NSFENCE_BENCH_REPORT_H_
#define NSFENCE_BENCH_REPORT_H_

#include <ostream>
#include <vector>

#include "scenario_results.h"

namespace nsfence::bench {

// Connection rate with the agent, relative to none.
inline constexpr double kTargetConnectionRatio = 0.97;
// CPU use outside the pods (fraction of all CPUs) above which a measurement
// counts as disturbed.
inline constexpr double kQuietThreshold = 0.10;

// The first scenario is the baseline.
void PrintReport(const std::vector<ScenarioResults>& scenarios, std::ostream& out);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_REPORT_H_
