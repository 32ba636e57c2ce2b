#include "support/testbed/pod.h"

#include <utility>

namespace nsfence::testbed {

Pod::Pod(std::string namespace_name, std::string name, std::string uid, BridgedNetns network,
         CgroupDir pod_cgroup, std::optional<CgroupDir> container_cgroup, std::string podexec)
    : Host(std::move(name), std::move(network),
           container_cgroup ? container_cgroup->path() : pod_cgroup.path(), std::move(podexec)),
      namespace_name_(std::move(namespace_name)),
      uid_(std::move(uid)),
      pod_cgroup_(std::move(pod_cgroup)),
      container_cgroup_(std::move(container_cgroup)) {}

std::string Pod::container_cgroup() const {
  return container_cgroup_ ? container_cgroup_->path() : "";
}

}  // namespace nsfence::testbed
