// The TLS part of the report, for the scenarios that ran the TLS workloads
// (no agent, and the agent whose policies set a TLS floor): handshakes per
// second (TLS 1.3 and 1.2) and bulk MB/s with their ratios to the no-agent
// baseline; what the datapath costs per handshake and per MB; and the
// verdict against the TLS targets. Prints nothing when no scenario ran TLS.
#ifndef NSFENCE_BENCH_TLS_REPORT_H_
#define NSFENCE_BENCH_TLS_REPORT_H_

#include <ostream>
#include <vector>

#include "scenario_results.h"

namespace nsfence::bench {

// Full handshakes per second with a TLS floor, relative to no agent.
inline constexpr double kTargetTlsHandshakeRatio = 0.97;
// Bulk throughput over one TLS connection with a TLS floor, relative to no
// agent.
inline constexpr double kTargetTlsBulkRatio = 0.98;

// The figures table and its rounds; the first scenario is the baseline.
void PrintTlsFigures(const std::vector<ScenarioResults>& scenarios, std::ostream& out);
// BPF run time per handshake and per MB of the metered TLS scenarios.
void PrintTlsDatapath(const std::vector<ScenarioResults>& scenarios, std::ostream& out);
// Verdict lines, indented like the report's others; whether every TLS
// target was met (true when there is nothing to judge).
bool PrintTlsVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_TLS_REPORT_H_
