// Pod (and container) cgroups as they appear and go, so that a new pod's
// cgroup can be under policy before its first connection. For an agent that
// polls: Create(), read pods() for what exists, poll fd(), call Drain() when
// it is readable.
//
// inotify on the kubepods root, its QoS directories and every pod directory
// (IN_CREATE | IN_DELETE | IN_ONLYDIR; cgroup v2 reports mkdir and rmdir of
// cgroups like any file system). A new QoS or pod directory is watched and
// then read, so whatever was created in it before its watch existed is found
// too; an entry seen twice that way is reported once. On an inotify queue
// overflow the whole tree is read again and the difference is reported.
//
// A pod is enforced by the id of its pod directory (see kubelet_cgroups.h):
// on kAppeared the agent resolves CgroupId(mount, event.cgroup.pod_cgroup);
// a pod whose directory is recreated is reported gone and appeared again,
// and its new directory has a new id.
#ifndef NSFENCE_INVENTORY_CGROUP_WATCH_H_
#define NSFENCE_INVENTORY_CGROUP_WATCH_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inventory/cgroup_scan.h"
#include "inventory/kubelet_cgroups.h"

namespace nsfence::inventory {

struct CgroupEvent {
  enum class Kind { kAppeared, kGone };

  Kind kind = Kind::kAppeared;
  // cgroup.pod_uid and cgroup.pod_cgroup name the pod. A pod's own event has
  // no container_id; a container's event (one below a pod already reported)
  // has. A pod's containers are gone before it, and appear after it.
  KubeletCgroup cgroup;

  friend bool operator==(const CgroupEvent&, const CgroupEvent&) = default;
};

class CgroupWatch {
 public:
  // Watches `root` ("kubepods.slice" or "kubepods", relative to `mount`, the
  // absolute cgroup v2 mount) and reads what is below it into pods(). Fails
  // when root is not a kubepods root, cannot be watched or read.
  static absl::StatusOr<CgroupWatch> Create(const std::string& mount, const std::string& root);
  // The same for FindKubepodsRoot(mount).
  static absl::StatusOr<CgroupWatch> Create(const std::string& mount);

  CgroupWatch(CgroupWatch&& other) noexcept;
  CgroupWatch& operator=(CgroupWatch&& other) noexcept;
  CgroupWatch(const CgroupWatch&) = delete;
  CgroupWatch& operator=(const CgroupWatch&) = delete;
  // Closes the inotify descriptor.
  ~CgroupWatch();

  // Non-blocking and close-on-exec; readable when events are pending.
  int fd() const { return fd_; }

  // What changed since Create() or the last Drain(): reads every pending
  // inotify event, in the order the cgroups appeared and went.
  std::vector<CgroupEvent> Drain();

  // Reads the whole tree again and reports how it differs from pods(): for a
  // periodic check, and what Drain() does after a queue overflow. A removed
  // kubepods root reports every pod gone, and nothing more is seen until a
  // Resync() after the root is back.
  std::vector<CgroupEvent> Resync();

  // The pods and containers as of the last Create(), Drain() or Resync().
  PodCgroups pods() const;

  // Directories that could not be watched since the last call, e.g. when
  // fs.inotify.max_user_watches is reached (OK when none). What is created in
  // them later is seen by the next Resync(), not as it appears.
  absl::Status TakeWatchErrors();

  const std::string& mount() const { return mount_; }
  const std::string& root() const { return root_; }

 private:
  CgroupWatch(int fd, std::string mount, std::string root)
      : fd_(fd), mount_(std::move(mount)), root_(std::move(root)) {}

  // A cgroup seen, and its directory's inode: a directory removed and created
  // again under the same name is another cgroup.
  struct Seen {
    KubeletCgroup cgroup;
    uint64_t inode = 0;
  };

  // Watches `dir` (relative to the mount); false when it is gone.
  bool AddWatch(const std::string& dir);
  // Reads `dir` (and below) again, appends how it differs from cgroups_ and
  // makes cgroups_ say what it read; `removed`: what cgroups_ had there is
  // gone, whatever is there now. The status of reading `dir` itself.
  absl::Status Reconcile(const std::string& dir, bool removed, std::vector<CgroupEvent>* events);
  void Close();

  int fd_ = -1;
  std::string mount_;
  std::string root_;
  std::map<int, std::string> watches_;  // directory by inotify watch descriptor
  // Every pod and container cgroup seen, by its path relative to the mount:
  // a pod's containers sort after it.
  std::map<std::string, Seen> cgroups_;
  absl::Status watch_errors_;
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_CGROUP_WATCH_H_
