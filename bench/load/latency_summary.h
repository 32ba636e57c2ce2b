// Percentiles of request/response round trips.
#ifndef NSFENCE_BENCH_LOAD_LATENCY_SUMMARY_H_
#define NSFENCE_BENCH_LOAD_LATENCY_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nsfence::bench {

struct LatencySummary {
  int64_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double mean_us = 0;
};

// Sorts `nanoseconds` in place.
LatencySummary Summarize(std::vector<int64_t>& nanoseconds);

// "requests=N p50_us=.. p99_us=.. mean_us=.."
std::string ToKeyValues(const LatencySummary& summary);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_LATENCY_SUMMARY_H_
