// Keeps the kernel's BPF run-time statistics (run_time_ns and run_cnt of
// every program) on while an object of this class lives. It holds the fd of
// the BPF_ENABLE_STATS command rather than writing the
// kernel.bpf_stats_enabled sysctl: the kernel turns the statistics off when
// the last such fd closes, so they go off even when the benchmark is killed,
// and the sysctl is never changed.
#ifndef NSFENCE_BENCH_BPF_RUN_TIME_STATS_H_
#define NSFENCE_BENCH_BPF_RUN_TIME_STATS_H_

#include "absl/status/statusor.h"

namespace nsfence::bench {

class BpfRunTimeStats {
 public:
  static absl::StatusOr<BpfRunTimeStats> Enable();

  BpfRunTimeStats(BpfRunTimeStats&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  BpfRunTimeStats& operator=(BpfRunTimeStats&&) = delete;
  ~BpfRunTimeStats();

 private:
  explicit BpfRunTimeStats(int fd) : fd_(fd) {}

  int fd_;  // -1 once moved from
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BPF_RUN_TIME_STATS_H_
