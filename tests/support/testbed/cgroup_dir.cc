#include "support/testbed/cgroup_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace nsfence::testbed {
namespace {

absl::Status KillAll(const std::string& path) {
  const std::string kill_file = absl::StrCat(path, "/cgroup.kill");
  const int fd = open(kill_file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", kill_file));
  const bool written = write(fd, "1", 1) == 1;
  const int write_errno = errno;
  close(fd);
  if (!written) return ErrnoStatus(write_errno, absl::StrCat("write ", kill_file));
  return absl::OkStatus();
}

// Killed processes leave their cgroup asynchronously; rmdir fails with
// EBUSY until they have.
absl::Status RemoveDirectoriesDeepestFirst(const std::string& path, absl::Time deadline) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (entry.is_directory() && !entry.is_symlink()) {
      NSF_RETURN_IF_ERROR(RemoveDirectoriesDeepestFirst(entry.path().string(), deadline));
    }
  }
  // Gone meanwhile (a runtime removing its own container cgroup): done.
  if (error == std::errc::no_such_file_or_directory) return absl::OkStatus();
  if (error) return absl::InternalError(absl::StrCat("list ", path, ": ", error.message()));
  while (rmdir(path.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY || absl::Now() > deadline) {
      return ErrnoStatus(errno, absl::StrCat("rmdir ", path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CgroupDir> CgroupDir::Create(std::string path) {
  if (mkdir(path.c_str(), 0755) != 0) return ErrnoStatus(errno, absl::StrCat("mkdir ", path));
  return CgroupDir(std::move(path));
}

CgroupDir::CgroupDir(CgroupDir&& other) noexcept : path_(std::exchange(other.path_, "")) {}

CgroupDir& CgroupDir::operator=(CgroupDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, "");
  }
  return *this;
}

CgroupDir::~CgroupDir() { Remove(); }

void CgroupDir::Remove() {
  if (path_.empty()) return;
  if (absl::Status removed = RemoveCgroupTree(path_); !removed.ok()) {
    log::Warn("test cgroup left behind: ", removed.ToString());
  }
  path_.clear();
}

absl::Status RemoveCgroupTree(const std::string& path, absl::Duration timeout) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus(errno, absl::StrCat("stat ", path));
  }
  // One write kills the whole subtree.
  NSF_RETURN_IF_ERROR(KillAll(path));
  return RemoveDirectoriesDeepestFirst(path, absl::Now() + timeout);
}

std::string CgroupOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/cgroup"));
  for (std::string line; std::getline(in, line);) {
    absl::string_view path = line;
    if (absl::ConsumePrefix(&path, "0::")) return std::string(path);
  }
  return "";
}

}  // namespace nsfence::testbed
