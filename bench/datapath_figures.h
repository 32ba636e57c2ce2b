// What the agent's BPF programs cost during one measurement, per workload:
// each program's run-time counters over the workload's client run and the
// operations the client made meanwhile. Unlike wall-clock figures these do
// not move with CPU steal: the kernel times only the programs themselves.
#ifndef NSFENCE_BENCH_DATAPATH_FIGURES_H_
#define NSFENCE_BENCH_DATAPATH_FIGURES_H_

#include <cstdint>
#include <map>
#include <string>

#include "bpf_prog_stats.h"
#include "workload.h"

namespace nsfence::bench {

struct WorkloadDatapath {
  ProgramCounterSet programs;
  // Warm-up included, like the counters. Whole for all but bulk, which
  // counts megabytes.
  double operations = 0;
};

using DatapathFigures = std::map<Workload, WorkloadDatapath>;

// Mean run time of one call; 0 when the program did not run.
double NanosecondsPerCall(const ProgramCounters& counters);
// Calls per operation of the workload; 0 without operations.
double CallsPerOperation(const ProgramCounters& counters, double operations);
// Run time of every program together per operation: what the datapath adds
// to one connection, round trip, handshake or megabyte. 0 without
// operations.
double BpfNanosecondsPerOperation(const WorkloadDatapath& workload);
// The same for the programs whose names start with `prefix` only.
double BpfNanosecondsPerOperation(const WorkloadDatapath& workload, const std::string& prefix);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_DATAPATH_FIGURES_H_
