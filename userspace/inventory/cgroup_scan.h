// The pods (and their containers) whose cgroups exist on this node, read from
// the kubelet's tree below the cgroup v2 mount (layout: kubelet_cgroups.h).
// The pod uid in a pod directory's name ties it to the API object; what the
// agent enforces is the id of that directory (CgroupId below), one id per pod.
#ifndef NSFENCE_INVENTORY_CGROUP_SCAN_H_
#define NSFENCE_INVENTORY_CGROUP_SCAN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inventory/kubelet_cgroups.h"

namespace nsfence::inventory {

struct PodCgroup {
  std::string uid;
  std::string cgroup;  // relative to the mount
  CgroupDriver driver = CgroupDriver::kSystemd;
  QosClass qos = QosClass::kGuaranteed;
  std::map<std::string, ContainerRuntime> containers;  // by container id

  friend bool operator==(const PodCgroup&, const PodCgroup&) = default;
};

// By pod uid.
using PodCgroups = std::map<std::string, PodCgroup>;

// The kubepods root below `mount` (absolute): "kubepods.slice" (systemd
// driver) or "kubepods" (cgroupfs), the first that is a directory.
absl::StatusOr<std::string> FindKubepodsRoot(const std::string& mount);

// OK when `root` is "kubepods.slice" or "kubepods"; else InvalidArgument.
absl::Status CheckKubepodsRoot(absl::string_view root);

// Every pod below `root` ("kubepods.slice" or "kubepods", relative to
// `mount`), with the containers below each. Directories of other shapes are
// passed over, and so are those removed while the walk reads them. Fails when
// root is not a kubepods root or cannot be read.
absl::StatusOr<PodCgroups> ScanPodCgroups(const std::string& mount, const std::string& root);
// The same below FindKubepodsRoot(mount).
absl::StatusOr<PodCgroups> ScanPodCgroups(const std::string& mount);

// Adds `cgroup` (a pod's, or a container's: then its pod too) to `pods`. A
// second pod cgroup with a uid already there is passed over, and so are its
// containers.
void AddToPods(const KubeletCgroup& cgroup, PodCgroups* pods);

// The kernel's id of cgroup `path` (relative to `mount`, or absolute): its
// directory's inode number, what nsf_endpoints is keyed by. Fails when the
// directory is gone; meaningful only on a cgroup v2 file system.
absl::StatusOr<uint64_t> CgroupId(absl::string_view mount, absl::string_view path);

// The walk ScanPodCgroups and CgroupWatch share: `dir` (relative to `mount`)
// and the kubelet's directories below it, parents first. `enter` is called
// for each pod parent (kubepods root, QoS directory) and each pod before its
// entries are read (false: pass it over); `found` for each pod and container
// that exists. Directories of other shapes are passed over. Fails only when
// `dir` itself cannot be read (NotFound: it does not exist); failures below it
// are taken as directories removed meanwhile and passed over.
absl::Status WalkKubeletTree(const std::string& mount, const std::string& dir,
                             const std::function<bool(const std::string& dir)>& enter,
                             const std::function<void(const KubeletCgroup& cgroup)>& found);

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_CGROUP_SCAN_H_
