#include "bpf_run_time_stats.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"

namespace nsfence::bench {

absl::StatusOr<BpfRunTimeStats> BpfRunTimeStats::Enable() {
  // The kernel opens the fd with O_CLOEXEC: processes started meanwhile do
  // not keep the statistics on.
  const int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) return ErrnoStatus(errno, "enabling BPF run-time statistics (BPF_ENABLE_STATS)");
  return BpfRunTimeStats(fd);
}

BpfRunTimeStats::~BpfRunTimeStats() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace nsfence::bench
