#include "inventory/cgroup_watch.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace nsfence::inventory {
namespace {

// Directories made and removed in a watched directory. cgroup v2 sends no
// IN_MODIFY for its files' content, and the files of a new cgroup are not
// created through the VFS, so nothing else arrives.
constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_ONLYDIR;

std::optional<uint64_t> Inode(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return st.st_ino;
}

// Hands every pending event of inotify descriptor `fd` (non-blocking) to
// `handle`; false when reading failed, so that events may be lost.
bool ReadEvents(int fd, const std::function<void(const struct inotify_event&)>& handle) {
  alignas(struct inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
      handle(*event);
    }
  }
}

bool IsAtOrBelow(absl::string_view path, absl::string_view dir) {
  return path == dir || (absl::StartsWith(path, dir) && path[dir.size()] == '/');
}

}  // namespace

absl::StatusOr<CgroupWatch> CgroupWatch::Create(const std::string& mount,
                                                const std::string& root) {
  NSF_RETURN_IF_ERROR(CheckKubepodsRoot(root));
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "inotify_init1");
  CgroupWatch watch(fd, cgroup::Resolve("/", mount), root);
  const std::string absolute = cgroup::Resolve(watch.mount_, root);
  const int wd = inotify_add_watch(fd, absolute.c_str(), kMask);
  if (wd < 0) return ErrnoStatus(errno, absl::StrCat("watch ", absolute));
  watch.watches_[wd] = root;
  std::vector<CgroupEvent> initial;
  NSF_RETURN_IF_ERROR(watch.Reconcile(root, /*removed=*/false, &initial));
  return watch;
}

absl::StatusOr<CgroupWatch> CgroupWatch::Create(const std::string& mount) {
  NSF_ASSIGN_OR_RETURN(const std::string root, FindKubepodsRoot(mount));
  return Create(mount, root);
}

CgroupWatch::CgroupWatch(CgroupWatch&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      mount_(std::move(other.mount_)),
      root_(std::move(other.root_)),
      watches_(std::move(other.watches_)),
      cgroups_(std::move(other.cgroups_)),
      watch_errors_(std::move(other.watch_errors_)) {}

CgroupWatch& CgroupWatch::operator=(CgroupWatch&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    mount_ = std::move(other.mount_);
    root_ = std::move(other.root_);
    watches_ = std::move(other.watches_);
    cgroups_ = std::move(other.cgroups_);
    watch_errors_ = std::move(other.watch_errors_);
  }
  return *this;
}

CgroupWatch::~CgroupWatch() { Close(); }

void CgroupWatch::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool CgroupWatch::AddWatch(const std::string& dir) {
  const std::string absolute = cgroup::Resolve(mount_, dir);
  const int wd = inotify_add_watch(fd_, absolute.c_str(), kMask);
  if (wd >= 0) {
    watches_[wd] = dir;
    return true;
  }
  if (errno == ENOENT || errno == ENOTDIR) return false;
  // Still read it: what is there now is known, only later changes are not.
  watch_errors_.Update(ErrnoStatus(errno, absl::StrCat("watch ", absolute)));
  return true;
}

absl::Status CgroupWatch::Reconcile(const std::string& dir, bool removed,
                                    std::vector<CgroupEvent>* events) {
  std::map<std::string, Seen> fresh;
  absl::Status status = WalkKubeletTree(
      mount_, dir, [this](const std::string& entered) { return AddWatch(entered); },
      [this, &fresh](const KubeletCgroup& cgroup) {
        std::string path = cgroup.path();
        if (const std::optional<uint64_t> inode = Inode(cgroup::Resolve(mount_, path))) {
          fresh.emplace(std::move(path), Seen{cgroup, *inode});
        }
      });

  // What was known at or below dir: a contiguous range of the sorted paths.
  const auto begin = cgroups_.lower_bound(dir);
  auto end = begin;
  while (end != cgroups_.end() && absl::StartsWith(end->first, dir)) ++end;
  const auto same = [&fresh, removed](const std::pair<const std::string, Seen>& known) {
    if (removed) return false;
    const auto it = fresh.find(known.first);
    return it != fresh.end() && it->second.inode == known.second.inode &&
           it->second.cgroup == known.second.cgroup;
  };

  // Gone, containers before their pod: the range backwards.
  for (auto it = std::make_reverse_iterator(end); it != std::make_reverse_iterator(begin); ++it) {
    if (!IsAtOrBelow(it->first, dir) || same(*it)) continue;
    events->push_back(CgroupEvent{CgroupEvent::Kind::kGone, it->second.cgroup});
  }
  std::set<std::string> kept;
  for (auto it = begin; it != end; ++it) {
    if (IsAtOrBelow(it->first, dir) && same(*it)) kept.insert(it->first);
  }
  for (auto it = begin; it != end;) {
    it = IsAtOrBelow(it->first, dir) ? cgroups_.erase(it) : std::next(it);
  }

  // Appeared, pods before their containers: in path order. A container is
  // reported only below a pod that is known.
  for (auto& [path, seen] : fresh) {
    const bool appeared = !kept.contains(path);
    if (seen.cgroup.is_container() && !cgroups_.contains(seen.cgroup.pod_cgroup)) continue;
    if (appeared) events->push_back(CgroupEvent{CgroupEvent::Kind::kAppeared, seen.cgroup});
    cgroups_.emplace(path, std::move(seen));
  }
  return status;
}

std::vector<CgroupEvent> CgroupWatch::Drain() {
  std::vector<CgroupEvent> events;
  bool overflow = false;
  const bool read_all = ReadEvents(fd_, [this, &events, &overflow](const struct inotify_event& event) {
    if (event.mask & IN_Q_OVERFLOW) {
      overflow = true;
      return;
    }
    const auto watch = watches_.find(event.wd);
    if (watch == watches_.end()) return;
    if (event.mask & IN_IGNORED) {
      // The directory is gone; its parent's IN_DELETE tells which cgroups
      // went, but the root has no parent watched (e.g. the mount went away).
      const std::string dir = watch->second;
      watches_.erase(watch);
      if (dir == root_) (void)Reconcile(root_, /*removed=*/true, &events);
      return;
    }
    if (event.len == 0 || !(event.mask & IN_ISDIR)) return;
    // What was there is gone when removed (even if a directory of that name
    // and inode is back); then, either way, what is there now.
    (void)Reconcile(absl::StrCat(watch->second, "/", event.name), (event.mask & IN_DELETE) != 0,
                    &events);
  });
  // Events may have been lost: read everything again.
  if (overflow || !read_all) {
    std::vector<CgroupEvent> more = Resync();
    events.insert(events.end(), more.begin(), more.end());
  }
  return events;
}

std::vector<CgroupEvent> CgroupWatch::Resync() {
  std::vector<CgroupEvent> events;
  (void)Reconcile(root_, /*removed=*/false, &events);
  return events;
}

PodCgroups CgroupWatch::pods() const {
  PodCgroups pods;
  for (const auto& [path, seen] : cgroups_) AddToPods(seen.cgroup, &pods);
  return pods;
}

absl::Status CgroupWatch::TakeWatchErrors() { return std::exchange(watch_errors_, absl::OkStatus()); }

}  // namespace nsfence::inventory
