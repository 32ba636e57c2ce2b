#include "inventory/cgroup_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace nsfence::inventory {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The names of the directories in `dir`, sorted.
absl::StatusOr<std::vector<std::string>> Subdirectories(const std::string& dir) {
  DIR* stream = opendir(dir.c_str());
  if (stream == nullptr) return ErrnoStatus(errno, absl::StrCat("read ", dir));
  std::vector<std::string> names;
  while (const struct dirent* entry = readdir(stream)) {
    const absl::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    bool directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      directory = fstatat(dirfd(stream), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                  S_ISDIR(st.st_mode);
    }
    if (directory) names.emplace_back(name);
  }
  closedir(stream);
  std::sort(names.begin(), names.end());
  return names;
}

// The entries of `dir` (relative to `mount`), walked in turn.
void WalkEntries(const std::string& mount, const std::string& dir,
                 const std::vector<std::string>& names,
                 const std::function<bool(const std::string& dir)>& enter,
                 const std::function<void(const KubeletCgroup& cgroup)>& found) {
  for (const std::string& name : names) {
    // Gone meanwhile, or unreadable: nothing below it to report.
    (void)WalkKubeletTree(mount, absl::StrCat(dir, "/", name), enter, found);
  }
}

}  // namespace

absl::Status WalkKubeletTree(const std::string& mount, const std::string& dir,
                             const std::function<bool(const std::string& dir)>& enter,
                             const std::function<void(const KubeletCgroup& cgroup)>& found) {
  const std::string absolute = cgroup::Resolve(mount, dir);
  const bool parent = IsPodParent(dir);
  const std::optional<KubeletCgroup> parsed = parent ? std::nullopt : ParseKubeletCgroup(dir);
  if (!parent && !parsed) return absl::OkStatus();
  if (parsed && parsed->is_container()) {
    if (!IsDirectory(absolute)) return absl::NotFoundError(absl::StrCat(absolute, ": gone"));
    found(*parsed);
    return absl::OkStatus();
  }
  if (!enter(dir)) return absl::OkStatus();
  NSF_ASSIGN_OR_RETURN(const std::vector<std::string> names, Subdirectories(absolute));
  if (parsed) found(*parsed);
  WalkEntries(mount, dir, names, enter, found);
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindKubepodsRoot(const std::string& mount) {
  for (const CgroupDriver driver : kCgroupDrivers) {
    const std::string root(KubepodsRoot(driver));
    if (IsDirectory(cgroup::Resolve(mount, root))) return root;
  }
  return absl::NotFoundError(absl::StrCat("no kubepods.slice or kubepods cgroup under ", mount));
}

absl::Status CheckKubepodsRoot(absl::string_view root) {
  for (const CgroupDriver driver : kCgroupDrivers) {
    if (root == KubepodsRoot(driver)) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(root, " is not a kubepods root (kubepods.slice or kubepods)"));
}

absl::StatusOr<PodCgroups> ScanPodCgroups(const std::string& mount, const std::string& root) {
  NSF_RETURN_IF_ERROR(CheckKubepodsRoot(root));
  PodCgroups pods;
  NSF_RETURN_IF_ERROR(WalkKubeletTree(
      mount, root, [](const std::string&) { return true; },
      [&pods](const KubeletCgroup& cgroup) { AddToPods(cgroup, &pods); }));
  return pods;
}

absl::StatusOr<PodCgroups> ScanPodCgroups(const std::string& mount) {
  NSF_ASSIGN_OR_RETURN(const std::string root, FindKubepodsRoot(mount));
  return ScanPodCgroups(mount, root);
}

void AddToPods(const KubeletCgroup& cgroup, PodCgroups* pods) {
  PodCgroup& pod = (*pods)[cgroup.pod_uid];
  if (pod.uid.empty()) {
    pod.uid = cgroup.pod_uid;
    pod.cgroup = cgroup.pod_cgroup;
    pod.driver = cgroup.driver;
    pod.qos = cgroup.qos;
  }
  if (cgroup.is_container() && pod.cgroup == cgroup.pod_cgroup) {
    pod.containers.emplace(cgroup.container_id, cgroup.runtime);
  }
}

absl::StatusOr<uint64_t> CgroupId(absl::string_view mount, absl::string_view path) {
  return cgroup::Id(cgroup::Resolve(mount, path));
}

}  // namespace nsfence::inventory
