// A Kubernetes node's pod network in miniature: a dedicated network
// namespace holding a Linux bridge with the gateway addresses. Pods and
// world hosts are network namespaces plugged into the bridge by veth pairs.
// Nothing is created in the caller's own network namespace.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_NODE_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_NODE_H_

#include <string>

#include "absl/status/statusor.h"
#include "support/testbed/address_plan.h"
#include "support/testbed/netns.h"

namespace nsfence::testbed {

// A network namespace plugged into the node bridge: eth0 inside with the
// addresses and default routes via the bridge.
struct BridgedNetns {
  Netns netns;
  // The veth end on the bridge, in the node's namespace.
  std::string bridge_port;
  HostAddresses addresses;
};

class Node {
 public:
  // `interface_prefix` starts the bridge and port names; with a port number
  // they must fit in an interface name.
  static absl::StatusOr<Node> Create(std::string netns_name, std::string interface_prefix,
                                     AddressPlan plan);

  const Netns& netns() const { return netns_; }
  const std::string& bridge() const { return bridge_; }
  const AddressPlan& plan() const { return plan_; }

  // Creates network namespace `netns_name` and plugs it into the bridge.
  absl::StatusOr<BridgedNetns> Plug(std::string netns_name, const HostAddresses& addresses);

 private:
  Node(Netns netns, std::string interface_prefix, std::string bridge, AddressPlan plan);

  Netns netns_;
  std::string interface_prefix_;
  std::string bridge_;
  AddressPlan plan_;
  int ports_created_ = 0;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_NODE_H_
