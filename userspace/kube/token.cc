#include "kube/token.h"

#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "kube/file_text.h"

namespace nsfence::kube {

bool BearerToken::FileStamp::operator==(const FileStamp& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec;
}

absl::StatusOr<std::string> BearerToken::Get() {
  if (file_.empty()) return fixed_;
  struct stat st {};
  // stat, not lstat: the kubelet publishes through a "..data" symlink.
  if (stat(file_.c_str(), &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("bearer token file ", file_));
  }
  const FileStamp stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  if (stamp == stamp_) return cached_;
  absl::StatusOr<std::string> text = ReadFileText(file_);
  if (!text.ok()) return text.status();
  const absl::string_view token = absl::StripAsciiWhitespace(*text);
  if (token.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("bearer token file ", file_, " is empty"));
  }
  cached_ = std::string(token);
  stamp_ = stamp;
  return cached_;
}

}  // namespace nsfence::kube
