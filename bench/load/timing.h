// Time keeping for the load loops: a monotonic clock and the phases of a
// run (an untimed warm-up, then the measured part).
#ifndef NSFENCE_BENCH_LOAD_TIMING_H_
#define NSFENCE_BENCH_LOAD_TIMING_H_

#include <chrono>

namespace nsfence::bench {

using Clock = std::chrono::steady_clock;

struct RunPhases {
  std::chrono::duration<double> warmup{0};
  std::chrono::duration<double> measured{1};
};

inline double SecondsBetween(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_TIMING_H_
