// What one measurement of the load found.
#ifndef NSFENCE_BENCH_LOAD_FIGURES_H_
#define NSFENCE_BENCH_LOAD_FIGURES_H_

#include <cstdint>

#include "load/latency_summary.h"
#include "workload.h"

namespace nsfence::bench {

struct LoadFigures {
  double connections_per_second = 0;
  LatencySummary tcp_rr;
  LatencySummary udp_rr;
  // Operations each client made, its untimed warm-up included: kernel
  // counters read around a client run cover all of them.
  int64_t connections_made = 0;
  int64_t tcp_round_trips_made = 0;
  int64_t udp_round_trips_made = 0;
};

int64_t OperationsMade(const LoadFigures& figures, Workload workload);

// Measured wall time of one operation: 1 s / connection rate for the
// connection loop, the mean round trip for request/response. With the load
// on one CPU this is also what one operation costs that CPU.
double NanosecondsPerOperation(const LoadFigures& figures, Workload workload);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_FIGURES_H_
