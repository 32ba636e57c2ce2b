// A pod's cgroups made the way the kubelet (systemd driver) and containerd
// make them, Burstable: the pod's directory in the QoS slice, then its
// container's scope below it:
//   <kubepods.slice>/kubepods-burstable.slice/kubepods-burstable-pod<uid, '-' as '_'>.slice
//   .../cri-containerd-<64 hex>.scope
// The agent enforces the pod by its directory's id (its inode); processes
// run in the container's.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_POD_CGROUP_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_POD_CGROUP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "support/testbed/cgroup_dir.h"

namespace nsfence::bench {

// The Burstable QoS directory below a systemd-driver kubepods root.
std::string BurstableSlice(const std::string& kubepods_root);

class PodCgroup {
 public:
  // mkdir of the pod directory in `qos_dir` (which must exist).
  static absl::StatusOr<PodCgroup> Create(const std::string& qos_dir, const std::string& uid);
  PodCgroup(PodCgroup&&) noexcept = default;
  PodCgroup& operator=(PodCgroup&&) noexcept = default;
  // Removes what is left, container first (killing any process there).
  ~PodCgroup() = default;

  // mkdir of the container's scope below the pod's directory; its id is
  // made of the uid.
  absl::Status AddContainer();

  const std::string& pod_path() const { return pod_path_; }
  // Empty before AddContainer().
  std::string container_path() const { return container_ ? container_->path() : std::string(); }
  // The pod directory's cgroup id: what nsf_endpoints is keyed by.
  uint64_t id() const { return id_; }

  // Kills what runs there, then rmdir of the container's and the pod's
  // directories, in that order.
  absl::Status Remove();

 private:
  PodCgroup(testbed::CgroupDir pod, uint64_t id, std::string uid)
      : pod_path_(pod.path()), pod_(std::move(pod)), id_(id), uid_(std::move(uid)) {}

  std::string pod_path_;
  // Destroyed bottom-up: the container's directory before the pod's.
  std::optional<testbed::CgroupDir> pod_;
  std::optional<testbed::CgroupDir> container_;
  uint64_t id_ = 0;
  std::string uid_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_POD_CGROUP_H_
