#include "bpf_prog_stats.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace nsfence::bench {
namespace {

// Closes a BPF object fd when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<uint32_t> LinkedProgramId(const std::string& link_pin) {
  const ScopedFd link(bpf_obj_get(link_pin.c_str()));
  if (link.get() < 0) return ErrnoStatus(errno, absl::StrCat("opening pinned link ", link_pin));
  bpf_link_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(link.get(), &info, &length) != 0) {
    return ErrnoStatus(errno, absl::StrCat("reading link info of ", link_pin));
  }
  return info.prog_id;
}

absl::StatusOr<ProgramCounters> ProgramCountersOf(uint32_t prog_id) {
  const ScopedFd prog(bpf_prog_get_fd_by_id(prog_id));
  if (prog.get() < 0) return ErrnoStatus(errno, absl::StrCat("opening BPF program id ", prog_id));
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog.get(), &info, &length) != 0) {
    return ErrnoStatus(errno, absl::StrCat("reading info of BPF program id ", prog_id));
  }
  return ProgramCounters{.prog_id = prog_id,
                         .prog_name = info.name,
                         .run_time_ns = info.run_time_ns,
                         .run_count = info.run_cnt};
}

}  // namespace

absl::StatusOr<ProgramCounterSet> ReadLinkedProgramCounters(const std::string& links_dir) {
  ProgramCounterSet counters;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(links_dir, error)) {
    NSF_ASSIGN_OR_RETURN(const uint32_t prog_id, LinkedProgramId(entry.path().string()));
    NSF_ASSIGN_OR_RETURN(counters[entry.path().filename().string()], ProgramCountersOf(prog_id));
  }
  if (error) {
    return absl::InternalError(absl::StrCat("listing ", links_dir, ": ", error.message()));
  }
  if (counters.empty()) return absl::NotFoundError(absl::StrCat("no pinned links in ", links_dir));
  return counters;
}

absl::StatusOr<ProgramCounterSet> CountersBetween(const ProgramCounterSet& before,
                                                  const ProgramCounterSet& after) {
  if (before.size() != after.size()) {
    return absl::FailedPreconditionError("the pinned links changed between two readings");
  }
  ProgramCounterSet delta;
  for (const auto& [name, b] : before) {
    const auto a = after.find(name);
    if (a == after.end() || a->second.prog_id != b.prog_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("the program behind link ", name, " changed between two readings"));
    }
    delta[name] = {.prog_id = b.prog_id,
                   .prog_name = b.prog_name,
                   .run_time_ns = a->second.run_time_ns - b.run_time_ns,
                   .run_count = a->second.run_count - b.run_count};
  }
  return delta;
}

}  // namespace nsfence::bench
