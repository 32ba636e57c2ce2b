#include "datapath_meter.h"

#include "bpf_prog_stats.h"
#include "bpf_run_time_stats.h"
#include "common/status_macros.h"

namespace nsfence::bench {

absl::StatusOr<MeteredLoad> MeasureMeteredLoad(const LoadRunner& load,
                                               const std::vector<Workload>& workloads,
                                               const std::optional<std::string>& links_dir) {
  MeteredLoad metered;
  if (!links_dir) {
    NSF_ASSIGN_OR_RETURN(metered.figures, load.Measure(workloads));
    return metered;
  }
  // Off again when this returns, whichever way.
  NSF_ASSIGN_OR_RETURN(const BpfRunTimeStats stats, BpfRunTimeStats::Enable());
  DatapathFigures datapath;
  for (Workload workload : workloads) {
    NSF_ASSIGN_OR_RETURN(const ProgramCounterSet before, ReadLinkedProgramCounters(*links_dir));
    NSF_RETURN_IF_ERROR(load.Run(workload, &metered.figures));
    NSF_ASSIGN_OR_RETURN(const ProgramCounterSet after, ReadLinkedProgramCounters(*links_dir));
    NSF_ASSIGN_OR_RETURN(datapath[workload].programs, CountersBetween(before, after));
    datapath[workload].operations = OperationsMade(metered.figures, workload);
  }
  metered.datapath = std::move(datapath);
  return metered;
}

}  // namespace nsfence::bench
