#include "datapath_figures.h"

namespace nsfence::bench {

double NanosecondsPerCall(const ProgramCounters& counters) {
  return counters.run_count > 0
             ? static_cast<double>(counters.run_time_ns) / static_cast<double>(counters.run_count)
             : 0;
}

double CallsPerOperation(const ProgramCounters& counters, double operations) {
  return operations > 0 ? static_cast<double>(counters.run_count) / operations : 0;
}

double BpfNanosecondsPerOperation(const WorkloadDatapath& workload) {
  return BpfNanosecondsPerOperation(workload, "");
}

double BpfNanosecondsPerOperation(const WorkloadDatapath& workload, const std::string& prefix) {
  if (workload.operations <= 0) return 0;
  uint64_t run_time_ns = 0;
  for (const auto& [name, counters] : workload.programs) {
    if (name.starts_with(prefix)) run_time_ns += counters.run_time_ns;
  }
  return static_cast<double>(run_time_ns) / workload.operations;
}

}  // namespace nsfence::bench
