#include "pod_cgroup.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/cgroup.h"
#include "common/status_macros.h"

namespace nsfence::bench {

std::string BurstableSlice(const std::string& kubepods_root) {
  return absl::StrCat(kubepods_root, "/kubepods-burstable.slice");
}

absl::StatusOr<PodCgroup> PodCgroup::Create(const std::string& qos_dir, const std::string& uid) {
  const std::string path =
      absl::StrCat(qos_dir, "/kubepods-burstable-pod", absl::StrReplaceAll(uid, {{"-", "_"}}), ".slice");
  NSF_ASSIGN_OR_RETURN(testbed::CgroupDir pod, testbed::CgroupDir::Create(path));
  NSF_ASSIGN_OR_RETURN(const uint64_t id, cgroup::Id(path));
  return PodCgroup(std::move(pod), id, uid);
}

absl::Status PodCgroup::AddContainer() {
  if (container_) return absl::FailedPreconditionError(absl::StrCat(pod_path(), " has its container already"));
  // 64 hex digits, as a runtime's container id: the uid's 32, twice.
  std::string hex = absl::StrReplaceAll(uid_, {{"-", ""}});
  hex += hex;
  hex.resize(64, '0');
  NSF_ASSIGN_OR_RETURN(container_,
                       testbed::CgroupDir::Create(absl::StrCat(pod_path(), "/cri-containerd-", hex, ".scope")));
  return absl::OkStatus();
}

absl::Status PodCgroup::Remove() {
  absl::Status status;
  if (container_) {
    status = testbed::RemoveCgroupTree(container_->path());
    container_.reset();  // gone already: nothing more to do
  }
  if (pod_) {
    if (absl::Status removed = testbed::RemoveCgroupTree(pod_->path()); status.ok()) status = removed;
    pod_.reset();
  }
  return status;
}

}  // namespace nsfence::bench
