#include "load/latency_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace nsfence::bench {
namespace {

// Nearest-rank percentile of sorted, non-empty samples.
int64_t Percentile(const std::vector<int64_t>& sorted, double fraction) {
  const size_t rank = static_cast<size_t>(std::ceil(fraction * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

LatencySummary Summarize(std::vector<int64_t>& nanoseconds) {
  LatencySummary summary;
  if (nanoseconds.empty()) return summary;
  std::sort(nanoseconds.begin(), nanoseconds.end());
  summary.count = static_cast<int64_t>(nanoseconds.size());
  summary.p50_us = Percentile(nanoseconds, 0.50) / 1e3;
  summary.p99_us = Percentile(nanoseconds, 0.99) / 1e3;
  summary.mean_us =
      std::accumulate(nanoseconds.begin(), nanoseconds.end(), 0.0) / nanoseconds.size() / 1e3;
  return summary;
}

std::string ToKeyValues(const LatencySummary& summary) {
  char line[128];
  std::snprintf(line, sizeof(line), "requests=%lld p50_us=%.2f p99_us=%.2f mean_us=%.2f",
                static_cast<long long>(summary.count), summary.p50_us, summary.p99_us,
                summary.mean_us);
  return line;
}

}  // namespace nsfence::bench
