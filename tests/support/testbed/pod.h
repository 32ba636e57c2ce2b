// A pod on the test node: a Host whose processes run in a container cgroup
// below the pod-level cgroup <test root>/<namespace>/<pod>, as kubelet lays
// them out (or in the pod cgroup itself when it has no container cgroup).
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_POD_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_POD_H_

#include <optional>
#include <string>

#include "support/testbed/cgroup_dir.h"
#include "support/testbed/host.h"
#include "support/testbed/node.h"

namespace nsfence::testbed {

class Pod : public Host {
 public:
  Pod(std::string namespace_name, std::string name, std::string uid, BridgedNetns network,
      CgroupDir pod_cgroup, std::optional<CgroupDir> container_cgroup, std::string podexec);

  const std::string& namespace_name() const { return namespace_name_; }
  const std::string& uid() const { return uid_; }
  // Absolute path of the pod-level cgroup (what the inventory lists).
  const std::string& cgroup() const { return pod_cgroup_.path(); }
  // Absolute path of the container cgroup; empty when there is none.
  std::string container_cgroup() const;

 private:
  std::string namespace_name_;
  std::string uid_;
  // Destroyed before the base's network namespace: processes go first.
  CgroupDir pod_cgroup_;
  std::optional<CgroupDir> container_cgroup_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_POD_H_
