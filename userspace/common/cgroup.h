// cgroup v2 paths and ids. The mount point is read from /proc/mounts, never
// assumed: /sys/fs/cgroup on most nodes, /sys/fs/cgroup/unified in hybrid mode.
#ifndef NSFENCE_COMMON_CGROUP_H_
#define NSFENCE_COMMON_CGROUP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nsfence::cgroup {

// The first cgroup2 mount listed in `mounts_file`.
absl::StatusOr<std::string> FindV2Mount(const std::string& mounts_file = "/proc/mounts");

// `path` as an absolute directory: absolute paths are kept, relative ones are
// taken relative to `mount`. Normalised (no trailing slash, no "." or "..").
std::string Resolve(absl::string_view mount, absl::string_view path);

// Depth of `dir` below `mount` (the mount itself is level 0). Fails when dir
// is not inside mount.
absl::StatusOr<int> Level(absl::string_view mount, absl::string_view dir);

// The kernel's id of a cgroup directory (what bpf_get_current_cgroup_id returns).
absl::StatusOr<uint64_t> Id(const std::string& dir);

}  // namespace nsfence::cgroup

#endif  // NSFENCE_COMMON_CGROUP_H_
