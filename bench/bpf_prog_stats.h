// The run-time counters of the BPF programs behind pinned links: how often
// each program ran and for how long, as the kernel counts while BPF run-time
// statistics are on (see bpf_run_time_stats.h).
#ifndef NSFENCE_BENCH_BPF_PROG_STATS_H_
#define NSFENCE_BENCH_BPF_PROG_STATS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace nsfence::bench {

struct ProgramCounters {
  uint32_t prog_id = 0;
  // The program's own name as the kernel keeps it (at most 15 characters),
  // e.g. "nsf_exec_tp" behind the link pinned as "nsf_exec".
  std::string prog_name;
  uint64_t run_time_ns = 0;
  uint64_t run_count = 0;
};

// By program name, which is the link's pin name.
using ProgramCounterSet = std::map<std::string, ProgramCounters>;

// Reads every link pinned in `links_dir` (the agent pins one per program,
// named after it) and the counters of the program each link runs.
absl::StatusOr<ProgramCounterSet> ReadLinkedProgramCounters(const std::string& links_dir);

// What ran between two readings. An error when the set of links, or the
// program behind one, changed in between: the counters would then belong to
// different programs.
absl::StatusOr<ProgramCounterSet> CountersBetween(const ProgramCounterSet& before,
                                                  const ProgramCounterSet& after);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BPF_PROG_STATS_H_
