#include "loader/bpffs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/log.h"

namespace nsfence::loader {
namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;

}  // namespace

bool IsOnBpffs(const std::string& path) {
  struct statfs st {};
  return statfs(path.c_str(), &st) == 0 && st.f_type == kBpfFsMagic;
}

absl::Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("mkdir ", prefix));
    }
  }
  return absl::OkStatus();
}

static absl::Status Mount(const std::string& dir) {
  if (mount("bpf", dir.c_str(), "bpf", 0, "mode=0700") != 0) {
    return ErrnoStatus(errno, absl::StrCat("mounting a bpffs on ", dir,
                                           " (mount one there or pass --bpffs on a bpffs)"));
  }
  log::Info("mounted a bpffs on ", dir);
  return absl::OkStatus();
}

absl::Status EnsureBpffsDir(const std::string& dir) {
  // The usual place is a sysfs mount point, where nothing can be created
  // until a bpffs is mounted on it.
  const std::string standard = "/sys/fs/bpf";
  if ((dir == standard || absl::StartsWith(dir, standard + "/")) && !IsOnBpffs(standard)) {
    absl::Status s = Mount(standard);
    if (!s.ok()) return s;
  }
  absl::Status s = MakeDirs(dir);
  if (!s.ok()) return s;
  return IsOnBpffs(dir) ? absl::OkStatus() : Mount(dir);
}

}  // namespace nsfence::loader
