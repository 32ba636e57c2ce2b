#include "support/testbed/legacy_cgroups.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "support/testbed/owned_names.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

bool IsDead(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// Deepest first; what still holds a process (EBUSY) stays.
void RemoveEmptyTree(const fs::path& dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory(error) && !entry.is_symlink(error)) RemoveEmptyTree(entry.path());
  }
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    log::Warn("test cgroup left behind: rmdir ", dir.string(), ": ", strerror(errno));
  }
}

}  // namespace

std::vector<std::string> LegacyCgroupMounts() {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/mounts");
  for (std::string line; std::getline(in, line);) {
    const std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 2 && fields[2] == "cgroup") mounts.push_back(fields[1]);
  }
  return mounts;
}

void RemoveLegacyCgroupPath(absl::string_view cgroups_path) {
  for (const std::string& mount : LegacyCgroupMounts()) {
    for (fs::path relative = fs::path(std::string(cgroups_path)).relative_path(); !relative.empty();
         relative = relative.parent_path()) {
      const fs::path dir = fs::path(mount) / relative;
      if (rmdir(dir.c_str()) != 0 && errno != ENOENT) break;  // not empty: someone else's too
    }
  }
}

void SweepLegacyCgroupLeftovers() {
  for (const std::string& mount : LegacyCgroupMounts()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(mount, error)) {
      const std::optional<pid_t> owner = CgroupRootOwner(entry.path().filename().string());
      if (!owner.has_value() || *owner == getpid() || !IsDead(*owner)) continue;
      log::Info("removing test leftover ", entry.path().string());
      RemoveEmptyTree(entry.path());
    }
  }
}

}  // namespace nsfence::testbed
