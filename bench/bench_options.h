// The command line of nsfence-bench.
#ifndef NSFENCE_BENCH_BENCH_OPTIONS_H_
#define NSFENCE_BENCH_BENCH_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark.h"

namespace nsfence::bench {

struct BenchOptions {
  BenchConfig config;
  bool help = false;
};

std::string BenchUsage();
// "--flag value" or "--flag=value"; `args` without the program name.
absl::StatusOr<BenchOptions> ParseBenchArgs(const std::vector<std::string>& args);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_OPTIONS_H_
