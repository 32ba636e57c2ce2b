// What pods and world hosts have in common: a network namespace on the node
// bridge with one IPv4 and one IPv6 address, and a cgroup their processes
// run in.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_HOST_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_HOST_H_

#include <string>
#include <vector>

#include "common/ip.h"
#include "support/testbed/node.h"

namespace nsfence::testbed {

class Host {
 public:
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return name_; }
  const IpAddress& ipv4() const { return network_.addresses.ipv4; }
  const IpAddress& ipv6() const { return network_.addresses.ipv6; }
  // IPv4 first.
  std::vector<IpAddress> ips() const { return {ipv4(), ipv6()}; }
  // Name under /run/netns.
  const std::string& netns_name() const { return network_.netns.name(); }
  std::string netns_path() const { return network_.netns.path(); }
  // Its veth end on the node bridge.
  const std::string& bridge_port() const { return network_.bridge_port; }
  // Absolute path of the cgroup its processes are started in.
  const std::string& process_cgroup() const { return process_cgroup_; }

  // `argv` behind nsfence-podexec, so it runs in this host's cgroup and
  // network namespace.
  std::vector<std::string> CommandLine(const std::vector<std::string>& argv) const;
  // From now on, commands run as a container's process would: the runtime's
  // default capabilities only, and pid, ipc and mount namespaces of their own
  // (nsfence-podexec --as-container), so that a policy refusing privileged
  // containers lets them run.
  void RunAsContainer() { as_container_ = true; }

 protected:
  Host(std::string name, BridgedNetns network, std::string process_cgroup, std::string podexec);
  ~Host() = default;

 private:
  std::string name_;
  BridgedNetns network_;
  std::string process_cgroup_;
  std::string podexec_;
  bool as_container_ = false;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_HOST_H_
