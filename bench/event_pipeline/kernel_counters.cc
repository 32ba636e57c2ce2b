#include "kernel_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::bench {

absl::StatusOr<std::unique_ptr<PinnedKernelCounters>> PinnedKernelCounters::Open(
    const std::string& bpffs_dir) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return ErrnoStatus(-cpus, "counting possible CPUs");
  const std::string pin = bpffs_dir + "/maps/nsf_counters";
  const int fd = bpf_obj_get(pin.c_str());
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening pinned map ", pin));
  return std::unique_ptr<PinnedKernelCounters>(new PinnedKernelCounters(fd, cpus));
}

PinnedKernelCounters::~PinnedKernelCounters() { close(fd_); }

absl::StatusOr<KernelCounterValues> PinnedKernelCounters::Read() const {
  std::vector<uint64_t> per_cpu(cpus_);
  KernelCounterValues totals{};
  for (uint32_t i = 0; i < NSFENCE_CNT_MAX; ++i) {
    if (bpf_map_lookup_elem(fd_, &i, per_cpu.data()) != 0) {
      return ErrnoStatus(errno, "reading nsf_counters");
    }
    for (uint64_t v : per_cpu) totals[i] += v;
  }
  return totals;
}

}  // namespace nsfence::bench
