#include "work_dir.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::bench {

std::vector<std::string> MountsBelow(const std::string& dir) {
  std::vector<std::string> found;
  std::ifstream mounts("/proc/mounts");
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream fields(line);
    std::string device, mount_point;
    fields >> device >> mount_point;
    if (mount_point == dir || absl::StartsWith(mount_point, dir + "/")) {
      found.push_back(mount_point);
    }
  }
  return found;
}

absl::StatusOr<WorkDir> WorkDir::Create() {
  std::string path = absl::StrCat("/tmp/nsfence-bench-", getpid());
  if (mkdir(path.c_str(), 0700) != 0) return ErrnoStatus(errno, absl::StrCat("mkdir ", path));
  return WorkDir(std::move(path));
}

absl::StatusOr<std::string> WorkDir::Snapshot(const std::string& path) const {
  const std::string copy =
      (std::filesystem::path(path_) / std::filesystem::path(path).filename()).string();
  std::error_code error;
  std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing, error);
  if (error) {
    return absl::InternalError(absl::StrCat("copying ", path, " to ", copy, ": ", error.message()));
  }
  return copy;
}

WorkDir::WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

WorkDir::~WorkDir() {
  if (path_.empty()) return;
  // Deepest first; a stopped agent normally left none.
  std::vector<std::string> mounts = MountsBelow(path_);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    std::cerr << "nsfence-bench: unmounting leftover " << *it << "\n";
    umount2(it->c_str(), MNT_DETACH);
  }
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  if (error) std::cerr << "nsfence-bench: removing " << path_ << ": " << error.message() << "\n";
}

}  // namespace nsfence::bench
