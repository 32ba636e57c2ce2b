// One figure of a scenario across its rounds, and how the reports print it.
#ifndef NSFENCE_BENCH_FIGURES_PER_ROUND_H_
#define NSFENCE_BENCH_FIGURES_PER_ROUND_H_

#include <functional>
#include <string>
#include <vector>

#include "scenario_results.h"

namespace nsfence::bench {

// Picks one number out of a round's figures (e.g. connections per second).
using Figure = std::function<double(const LoadFigures&)>;

std::vector<double> PerRound(const ScenarioResults& s, const Figure& figure);
double MedianOf(const ScenarioResults& s, const Figure& figure);
// "0.973x", or "-" without a baseline.
std::string Ratio(double value, double baseline);
// The round-to-round spread of a figure; "n/a" for a single round.
std::string SpreadText(const std::vector<double>& values);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_FIGURES_PER_ROUND_H_
