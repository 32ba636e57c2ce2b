#include "datapath_figures.h"

namespace nsfence::bench {

double NanosecondsPerCall(const ProgramCounters& counters) {
  return counters.run_count > 0
             ? static_cast<double>(counters.run_time_ns) / static_cast<double>(counters.run_count)
             : 0;
}

double CallsPerOperation(const ProgramCounters& counters, int64_t operations) {
  return operations > 0 ? static_cast<double>(counters.run_count) / static_cast<double>(operations)
                        : 0;
}

double BpfNanosecondsPerOperation(const WorkloadDatapath& workload) {
  if (workload.operations <= 0) return 0;
  uint64_t run_time_ns = 0;
  for (const auto& [name, counters] : workload.programs) run_time_ns += counters.run_time_ns;
  return static_cast<double>(run_time_ns) / static_cast<double>(workload.operations);
}

}  // namespace nsfence::bench
