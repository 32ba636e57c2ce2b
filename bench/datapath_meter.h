// Runs the load of one measurement and, with an agent, meters its datapath:
// BPF run-time statistics stay on while the load runs, and the counters of
// the programs behind the agent's pinned links are read around each
// workload's client run, so that each workload gets its own figures.
#ifndef NSFENCE_BENCH_DATAPATH_METER_H_
#define NSFENCE_BENCH_DATAPATH_METER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath_figures.h"
#include "load_figures.h"
#include "load_runner.h"

namespace nsfence::bench {

struct MeteredLoad {
  LoadFigures figures;
  // nullopt when not metered.
  std::optional<DatapathFigures> datapath;
};

// Runs `workloads` in order. `links_dir`: where the agent pinned its links;
// nullopt: do not meter (no agent, or no run-time statistics on this
// kernel).
absl::StatusOr<MeteredLoad> MeasureMeteredLoad(const LoadRunner& load,
                                               const std::vector<Workload>& workloads,
                                               const std::optional<std::string>& links_dir);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_DATAPATH_METER_H_
