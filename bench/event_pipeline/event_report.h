// The sweep as a Markdown table (the README's format): per step the
// medians over rounds, and what was lost in all rounds; then the knee: the
// step with the most JSON lines/s among those where, in every round, every
// denied send became a JSON line; and the target of 500,000 lines/s without
// loss, met or not.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_EVENT_REPORT_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_EVENT_REPORT_H_

#include <optional>
#include <ostream>

#include "event_sweep.h"

namespace nsfence::bench {

inline constexpr double kTargetLinesPerSecond = 500000;

void PrintEventReport(const SweepResult& result, std::ostream& out);

// The index in result.steps of the lossless step with the most JSON
// lines/s (median); nullopt when every step lost something.
std::optional<size_t> KneeStep(const SweepResult& result);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_EVENT_REPORT_H_
