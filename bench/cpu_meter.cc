#include "cpu_meter.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace nsfence::bench {
namespace {

// The aggregate "cpu" line of /proc/stat, in clock ticks.
absl::Status ReadProcStat(CpuCounters* counters) {
  std::ifstream in("/proc/stat");
  std::string label;
  in >> label;
  if (label != "cpu") return absl::InternalError("/proc/stat does not start with a cpu line");
  // user nice system idle iowait irq softirq steal (guest time is in user).
  double ticks[8] = {};
  for (double& t : ticks) in >> t;
  if (!in) return absl::InternalError("cannot read the cpu line of /proc/stat");
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (double t : ticks) total += t;
  counters->machine_total_seconds = total / hz;
  counters->machine_busy_seconds = (total - ticks[3] - ticks[4]) / hz;
  return absl::OkStatus();
}

absl::Status ReadCgroupUsage(const std::string& cgroup, CpuCounters* counters) {
  std::ifstream in(cgroup + "/cpu.stat");
  for (std::string key; in >> key;) {
    double usec = 0;
    in >> usec;
    if (key == "usage_usec") {
      counters->pods_seconds = usec / 1e6;
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat("no usage_usec in ", cgroup, "/cpu.stat"));
}

}  // namespace

absl::StatusOr<CpuCounters> CpuMeter::Read() const {
  CpuCounters counters;
  NSF_RETURN_IF_ERROR(ReadProcStat(&counters));
  NSF_RETURN_IF_ERROR(ReadCgroupUsage(pods_cgroup_, &counters));
  return counters;
}

absl::StatusOr<CpuUse> CpuMeter::Sample(absl::Duration window) const {
  NSF_ASSIGN_OR_RETURN(const CpuCounters before, Read());
  absl::SleepFor(window);
  NSF_ASSIGN_OR_RETURN(const CpuCounters after, Read());
  return UseBetween(before, after);
}

CpuUse UseBetween(const CpuCounters& before, const CpuCounters& after) {
  const double total = after.machine_total_seconds - before.machine_total_seconds;
  if (total <= 0) return {};
  return {.busy = (after.machine_busy_seconds - before.machine_busy_seconds) / total,
          .pods = (after.pods_seconds - before.pods_seconds) / total};
}

}  // namespace nsfence::bench
