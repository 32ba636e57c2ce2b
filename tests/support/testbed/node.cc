#include "support/testbed/node.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "support/testbed/owned_names.h"

namespace nsfence::testbed {
namespace {

absl::Status CheckInterfaceName(const std::string& name) {
  if (name.size() <= kMaxInterfaceNameLength) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("interface name ", name, " is longer than ",
                                                 kMaxInterfaceNameLength, " characters"));
}

}  // namespace

absl::StatusOr<Node> Node::Create(std::string netns_name, std::string interface_prefix,
                                  AddressPlan plan) {
  std::string bridge = absl::StrCat(interface_prefix, "br");
  NSF_RETURN_IF_ERROR(CheckInterfaceName(bridge));
  NSF_ASSIGN_OR_RETURN(Netns netns, Netns::Create(std::move(netns_name)));
  const HostAddresses gateway = plan.Gateway();
  NSF_RETURN_IF_ERROR(netns.RunIp({
      "link set lo up",
      absl::StrCat("link add name ", bridge, " type bridge"),
      absl::StrCat("addr add ", gateway.ipv4.ToString(), "/", plan.network_v4().prefix_len(),
                   " dev ", bridge),
      // nodad: usable at once, not after duplicate address detection.
      absl::StrCat("addr add ", gateway.ipv6.ToString(), "/", plan.network_v6().prefix_len(),
                   " dev ", bridge, " nodad"),
      absl::StrCat("link set ", bridge, " up"),
  }));
  return Node(std::move(netns), std::move(interface_prefix), std::move(bridge), plan);
}

Node::Node(Netns netns, std::string interface_prefix, std::string bridge, AddressPlan plan)
    : netns_(std::move(netns)),
      interface_prefix_(std::move(interface_prefix)),
      bridge_(std::move(bridge)),
      plan_(plan) {}

absl::StatusOr<BridgedNetns> Node::Plug(std::string netns_name, const HostAddresses& addresses) {
  std::string port = absl::StrCat(interface_prefix_, "p", ports_created_ + 1);
  NSF_RETURN_IF_ERROR(CheckInterfaceName(port));
  NSF_ASSIGN_OR_RETURN(Netns netns, Netns::Create(std::move(netns_name)));
  // The pair is made in the node's namespace with its far end directly in
  // the new one, so it never appears anywhere else.
  NSF_RETURN_IF_ERROR(netns_.RunIp({
      absl::StrCat("link add ", port, " type veth peer name eth0 netns ", netns.name()),
      absl::StrCat("link set ", port, " master ", bridge_, " up"),
  }));
  ++ports_created_;
  const HostAddresses gateway = plan_.Gateway();
  NSF_RETURN_IF_ERROR(netns.RunIp({
      "link set lo up",
      "link set eth0 up",
      absl::StrCat("addr add ", addresses.ipv4.ToString(), "/", plan_.network_v4().prefix_len(),
                   " dev eth0"),
      absl::StrCat("addr add ", addresses.ipv6.ToString(), "/", plan_.network_v6().prefix_len(),
                   " dev eth0 nodad"),
      absl::StrCat("route add default via ", gateway.ipv4.ToString()),
      absl::StrCat("route add default via ", gateway.ipv6.ToString()),
  }));
  return BridgedNetns{
      .netns = std::move(netns), .bridge_port = std::move(port), .addresses = addresses};
}

}  // namespace nsfence::testbed
