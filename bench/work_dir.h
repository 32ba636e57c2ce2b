// The benchmark's private directory, /tmp/nsfence-bench-<pid>: the agent
// inputs and the agent's bpffs directory. Removed on destruction, and with
// it any bpffs an agent failed to unmount there.
#ifndef NSFENCE_BENCH_WORK_DIR_H_
#define NSFENCE_BENCH_WORK_DIR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nsfence::bench {

class WorkDir {
 public:
  static absl::StatusOr<WorkDir> Create();

  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();

  const std::string& path() const { return path_; }
  std::string bpffs_dir() const { return path_ + "/bpffs"; }
  // Copies the file at `path` into this directory; returns the copy's path.
  absl::StatusOr<std::string> Snapshot(const std::string& path) const;

 private:
  explicit WorkDir(std::string path) : path_(std::move(path)) {}

  std::string path_;  // empty once moved from
};

// Mount points in /proc/mounts at or below `dir`.
std::vector<std::string> MountsBelow(const std::string& dir);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_WORK_DIR_H_
