// The datapath part of the report. Per agent scenario and workload: each
// program's calls and mean run time; the run time of all programs per
// connection or round trip, and its share of the measured time of one; and
// for the verdict, how the cost per connection changes from the smallest
// inventory to the largest. Scenarios without datapath figures are left out.
#ifndef NSFENCE_BENCH_DATAPATH_REPORT_H_
#define NSFENCE_BENCH_DATAPATH_REPORT_H_

#include <ostream>
#include <vector>

#include "scenario_results.h"

namespace nsfence::bench {

void PrintDatapath(const std::vector<ScenarioResults>& scenarios, std::ostream& out);
// Lines for the verdict, indented like its other lines.
void PrintDatapathVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_DATAPATH_REPORT_H_
