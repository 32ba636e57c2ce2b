// The kubelet's cgroup layout: which pod, and which container, a cgroup v2
// directory is. Paths are relative to the cgroup v2 mount, as the kernel shows
// them in /proc/<pid>/cgroup ("0::/kubepods.slice/...") and as the inventory
// writes a pod's cgroup.
//
// systemd driver (a '-' in a slice name is hierarchy, so the uid's '-' are '_'):
//   kubepods.slice/kubepods-pod<uid>.slice                                         guaranteed
//   kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice      burstable
//   kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice    besteffort
//   <pod>/cri-containerd-<id>.scope, <pod>/crio-<id>.scope, <pod>/docker-<id>.scope
// cgroupfs driver:
//   kubepods/pod<uid>, kubepods/burstable/pod<uid>, kubepods/besteffort/pod<uid>
//   <pod>/<id> (containerd, cri-dockerd), <pod>/crio-<id>
// <uid> is the pod's metadata.uid (a UUID), <id> the runtime's 64-hex container id.
// CRI-O's crio-conmon-<id> cgroup holds the container's monitor, not the
// container: it is not a container and not parsed.
//
// From cgroups to the ids the kernel sees: a cgroup v2 id is its directory's
// inode number on 64-bit kernels (the kernfs id: common/cgroup.h's cgroup::Id,
// what bpf_get_current_cgroup_id() returns). A pod is identified by its pod cgroup
// alone: the agent resolves the pod directory's id and writes it into
// nsf_endpoints; containers' cgroups lie below it and the programs walk a
// socket's cgroup ancestors, so they need no entries of their own. A pod
// directory that is removed and created again is a new id.
#ifndef NSFENCE_INVENTORY_KUBELET_CGROUPS_H_
#define NSFENCE_INVENTORY_KUBELET_CGROUPS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace nsfence::inventory {

enum class CgroupDriver { kSystemd, kCgroupfs };
// In the order the agent looks for their kubepods roots.
inline constexpr CgroupDriver kCgroupDrivers[] = {CgroupDriver::kSystemd, CgroupDriver::kCgroupfs};

enum class QosClass { kGuaranteed, kBurstable, kBestEffort };

enum class ContainerRuntime {
  kNone,        // not a container: the pod's own cgroup
  kUnknown,     // a container, named by its id alone (cgroupfs: containerd, cri-dockerd)
  kContainerd,  // cri-containerd-<id>.scope
  kCrio,        // crio-<id>.scope, crio-<id>
  kDocker,      // docker-<id>.scope
};

// "systemd", "cgroupfs"; "guaranteed", "burstable", "besteffort";
// "none", "unknown", "containerd", "cri-o", "docker".
absl::string_view DriverName(CgroupDriver driver);
absl::string_view QosName(QosClass qos);
absl::string_view RuntimeName(ContainerRuntime runtime);

// A pod's cgroup, or a container's below it.
struct KubeletCgroup {
  CgroupDriver driver = CgroupDriver::kSystemd;
  QosClass qos = QosClass::kGuaranteed;
  std::string pod_uid;     // as the API has it: with '-', whichever the driver
  std::string pod_cgroup;  // relative to the mount, no leading '/'
  std::string container_id;  // empty unless this is a container's cgroup
  ContainerRuntime runtime = ContainerRuntime::kNone;

  bool is_container() const { return !container_id.empty(); }
  // The directory itself, relative to the mount: the pod's, or the container's.
  std::string path() const;

  friend bool operator==(const KubeletCgroup&, const KubeletCgroup&) = default;
};

// `path` (relative to the cgroup v2 mount; a leading or trailing '/' is
// allowed) as a pod's or a container's cgroup. Nullopt for any other shape:
// outside kubepods, the kubepods and QoS directories themselves, a uid that is
// not a UUID, an id that is not 64 hex digits, the other driver's names, a
// conmon cgroup, anything below a container.
std::optional<KubeletCgroup> ParseKubeletCgroup(absl::string_view path);

// True for the directories that hold pods: the kubepods root of either driver
// and its burstable and besteffort directories (guaranteed pods sit in the root).
bool IsPodParent(absl::string_view path);

// The kubepods root of a driver: "kubepods.slice" or "kubepods".
absl::string_view KubepodsRoot(CgroupDriver driver);

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_KUBELET_CGROUPS_H_
