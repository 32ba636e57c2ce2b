#include "support/testbed/host.h"

#include <utility>

namespace nsfence::testbed {

Host::Host(std::string name, BridgedNetns network, std::string process_cgroup, std::string podexec)
    : name_(std::move(name)),
      network_(std::move(network)),
      process_cgroup_(std::move(process_cgroup)),
      podexec_(std::move(podexec)) {}

std::vector<std::string> Host::CommandLine(const std::vector<std::string>& argv) const {
  std::vector<std::string> wrapped = {podexec_, "--cgroup", process_cgroup_, "--netns", netns_name()};
  if (as_container_) wrapped.push_back("--as-container");
  wrapped.push_back("--");
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

}  // namespace nsfence::testbed
