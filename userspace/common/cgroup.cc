#include "common/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errno_status.h"

namespace nsfence::cgroup {

absl::StatusOr<std::string> FindV2Mount(const std::string& mounts_file) {
  std::ifstream in(mounts_file);
  if (!in) return ErrnoStatus(errno, absl::StrCat("open ", mounts_file));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, mount_point, type;
    fields >> device >> mount_point >> type;
    if (type == "cgroup2") return mount_point;
  }
  return absl::NotFoundError(absl::StrCat(
      "no cgroup2 filesystem in ", mounts_file,
      "; nsfence needs cgroup v2 (mount it, or boot with systemd.unified_cgroup_hierarchy=1)"));
}

std::string Resolve(absl::string_view mount, absl::string_view path) {
  const std::string joined =
      absl::StartsWith(path, "/") ? std::string(path) : absl::StrCat(mount, "/", path);
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(joined, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

absl::StatusOr<int> Level(absl::string_view mount, absl::string_view dir) {
  const std::string m = Resolve("/", mount);
  const std::string d = Resolve("/", dir);
  if (d == m) return 0;
  const std::string prefix = m == "/" ? "/" : absl::StrCat(m, "/");
  if (!absl::StartsWith(d, prefix)) {
    return absl::InvalidArgumentError(absl::StrCat(d, " is not inside the cgroup v2 mount ", m));
  }
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(d).substr(prefix.size()), '/', absl::SkipEmpty());
  return static_cast<int>(parts.size());
}

absl::StatusOr<uint64_t> Id(const std::string& dir) {
  // A cgroup v2 file handle is its 64-bit kernfs id.
  struct {
    struct file_handle handle;
    uint64_t id;
  } fh{};
  fh.handle.handle_bytes = sizeof(fh.id);
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, dir.c_str(), &fh.handle, &mount_id, 0) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cgroup id of ", dir));
  }
  uint64_t id = 0;
  std::memcpy(&id, fh.handle.f_handle, sizeof(id));
  return id;
}

}  // namespace nsfence::cgroup
