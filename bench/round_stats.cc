#include "round_stats.h"

#include <algorithm>

namespace nsfence::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double RelativeSpread(const std::vector<double>& values) {
  const double median = Median(values);
  if (values.size() < 2 || median == 0) return 0;
  const auto [min, max] = std::minmax_element(values.begin(), values.end());
  return (*max - *min) / median;
}

}  // namespace nsfence::bench
