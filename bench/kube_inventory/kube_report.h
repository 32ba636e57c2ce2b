// The tables nsfence-kube-bench prints (Markdown, as the README's) and the
// checks that make it fail.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_KUBE_REPORT_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_KUBE_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "churn_run.h"
#include "latency_run.h"

namespace nsfence::bench {

// The latency table and whether the p99 target is met.
void PrintLatencyReport(const LatencyResult& result, absl::Duration target_p99, std::ostream& out);
// What makes the latency part fail: samples never enforced, maps not back
// at their baseline. (Missing the target is reported, not a failure.)
std::vector<std::string> LatencyFailures(const LatencyResult& result);

void PrintChurnReport(const ChurnResult& result, std::ostream& out);
// Forbidden connections not refused, allowed ones that failed, map entries
// not back at their baseline, the agent's memory beyond its bound.
std::vector<std::string> ChurnFailures(const ChurnResult& result);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_KUBE_REPORT_H_
