// A peer outside the cluster on the node's network (for ingress from, and
// egress to, the world): a Host whose processes are in no pod cgroup.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_WORLD_HOST_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_WORLD_HOST_H_

#include <string>

#include "support/testbed/cgroup_dir.h"
#include "support/testbed/host.h"
#include "support/testbed/node.h"

namespace nsfence::testbed {

class WorldHost : public Host {
 public:
  // `cgroup` holds its processes so they can be killed; it is outside every
  // pod cgroup.
  WorldHost(std::string name, BridgedNetns network, CgroupDir cgroup, std::string podexec);

 private:
  // Destroyed before the base's network namespace: processes go first.
  CgroupDir cgroup_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_WORLD_HOST_H_
