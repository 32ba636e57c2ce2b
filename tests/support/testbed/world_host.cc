#include "support/testbed/world_host.h"

#include <utility>

namespace nsfence::testbed {

WorldHost::WorldHost(std::string name, BridgedNetns network, CgroupDir cgroup, std::string podexec)
    : Host(std::move(name), std::move(network), cgroup.path(), std::move(podexec)),
      cgroup_(std::move(cgroup)) {}

}  // namespace nsfence::testbed
