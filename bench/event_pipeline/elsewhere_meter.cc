#include "elsewhere_meter.h"

#include <unistd.h>

#include <algorithm>

#include "common/status_macros.h"
#include "process_stats.h"

namespace nsfence::bench {

double ElsewhereMeter::OwnSeconds() const {
  return CpuSeconds(getpid()) + (agent_ > 0 ? CpuSeconds(agent_) : 0);
}

absl::Status ElsewhereMeter::Start(pid_t agent) {
  agent_ = agent;
  NSF_ASSIGN_OR_RETURN(start_, meter_.Read());
  own_start_ = OwnSeconds();
  return absl::OkStatus();
}

absl::StatusOr<double> ElsewhereMeter::Elsewhere() const {
  NSF_ASSIGN_OR_RETURN(const CpuCounters now, meter_.Read());
  const double total = now.machine_total_seconds - start_.machine_total_seconds;
  if (total <= 0) return 0.0;
  const CpuUse use = UseBetween(start_, now);
  const double own = (OwnSeconds() - own_start_) / total;
  return std::max(0.0, use.others() - own);
}

}  // namespace nsfence::bench
