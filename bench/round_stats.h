// Summaries of one figure over the rounds of a scenario.
#ifndef NSFENCE_BENCH_ROUND_STATS_H_
#define NSFENCE_BENCH_ROUND_STATS_H_

#include <vector>

namespace nsfence::bench {

// 0 for no values.
double Median(std::vector<double> values);
// (max - min) / median: how far rounds of one scenario disagree; 0 for fewer
// than two values.
double RelativeSpread(const std::vector<double>& values);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_ROUND_STATS_H_
