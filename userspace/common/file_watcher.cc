#include "common/file_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence {
namespace {

// Every way an entry can be changed, created, replaced or removed, seen once
// per change: IN_CLOSE_WRITE rather than IN_MODIFY, which fires per write()
// and would let a half-written file be read. The *_SELF events tell that a
// watched directory itself went away.
constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// The symlink through which a mounted ConfigMap's files point at the current
// version; renaming a new one over it publishes the next version.
constexpr char kConfigMapDataLink[] = "..data";

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

absl::StatusOr<FileWatcher> FileWatcher::Create() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "inotify_init1");
  return FileWatcher(fd);
}

FileWatcher::FileWatcher(FileWatcher&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), directories_(std::move(other.directories_)) {}

FileWatcher& FileWatcher::operator=(FileWatcher&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    directories_ = std::move(other.directories_);
  }
  return *this;
}

FileWatcher::~FileWatcher() {
  if (fd_ >= 0) close(fd_);
}

absl::Status FileWatcher::Watch(const std::vector<std::string>& paths) {
  std::map<int, Directory> next;
  absl::Status status;
  for (const std::string& path : paths) {
    const bool is_directory = IsDirectory(path);
    const std::filesystem::path file(path);
    const std::string directory =
        is_directory ? path : (file.has_parent_path() ? file.parent_path().string() : ".");
    // Watching a directory twice yields the same descriptor.
    const int wd = inotify_add_watch(fd_, directory.c_str(), kMask);
    if (wd < 0) {
      status.Update(ErrnoStatus(errno, absl::StrCat("watch ", directory)));
      continue;
    }
    Directory& watched = next[wd];
    if (is_directory) {
      watched.yaml_entries = true;
    } else {
      watched.names.insert(file.filename().string());
    }
  }
  for (const auto& [wd, unused] : directories_) {
    if (!next.contains(wd)) inotify_rm_watch(fd_, wd);
  }
  directories_ = std::move(next);
  return status;
}

bool FileWatcher::Concerns(const Directory& dir, const std::string& name) {
  if (name == kConfigMapDataLink || dir.names.contains(name)) return true;
  return dir.yaml_entries && (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml"));
}

bool FileWatcher::Drain() {
  bool concerned = false;
  alignas(struct inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      // Events may be lost; have the caller look again.
      concerned = true;
      break;
    }
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(buffer + offset);
      offset += sizeof(struct inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        concerned = true;
        continue;
      }
      const auto it = directories_.find(event->wd);
      if (it == directories_.end()) continue;  // a watch Watch() has just replaced
      if (event->len == 0) {
        // The directory itself was removed or moved away.
        concerned = true;
        if (event->mask & IN_IGNORED) directories_.erase(it);
      } else if (Concerns(it->second, event->name)) {
        concerned = true;
      }
    }
  }
  return concerned;
}

}  // namespace nsfence
