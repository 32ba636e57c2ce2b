#include "figures_per_round.h"

#include "absl/strings/str_format.h"
#include "round_stats.h"

namespace nsfence::bench {

std::vector<double> PerRound(const ScenarioResults& s, const Figure& figure) {
  std::vector<double> values;
  for (const LoadFigures& f : s.rounds) values.push_back(figure(f));
  return values;
}

double MedianOf(const ScenarioResults& s, const Figure& figure) { return Median(PerRound(s, figure)); }

std::string Ratio(double value, double baseline) {
  return baseline > 0 ? absl::StrFormat("%.3fx", value / baseline) : "-";
}

std::string SpreadText(const std::vector<double>& values) {
  return values.size() < 2 ? "n/a" : absl::StrFormat("%.1f%%", 100 * RelativeSpread(values));
}

}  // namespace nsfence::bench
