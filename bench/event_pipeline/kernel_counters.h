// The datapath's own counters (nsf_counters, enum nsfence_counter), read
// straight from the agent's pinned map: exact at any moment, where the
// agent's metrics follow them only every --stats-seconds.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_KERNEL_COUNTERS_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_KERNEL_COUNTERS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nsfence/abi.h"

namespace nsfence::bench {

using KernelCounterValues = std::array<uint64_t, NSFENCE_CNT_MAX>;

class PinnedKernelCounters {
 public:
  // `bpffs_dir`: the agent's --bpffs; the map is <bpffs_dir>/maps/nsf_counters.
  static absl::StatusOr<std::unique_ptr<PinnedKernelCounters>> Open(const std::string& bpffs_dir);
  PinnedKernelCounters(const PinnedKernelCounters&) = delete;
  PinnedKernelCounters& operator=(const PinnedKernelCounters&) = delete;
  ~PinnedKernelCounters();

  // Summed over CPUs.
  absl::StatusOr<KernelCounterValues> Read() const;

 private:
  PinnedKernelCounters(int fd, int cpus) : fd_(fd), cpus_(cpus) {}

  int fd_;
  int cpus_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_KERNEL_COUNTERS_H_
