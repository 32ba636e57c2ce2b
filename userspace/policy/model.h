// IsolationPolicy objects as nsfence understands them (after parsing and
// validation). The YAML shape is documented in docs/policy.md.
#ifndef NSFENCE_POLICY_MODEL_H_
#define NSFENCE_POLICY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/ip.h"
#include "common/labels.h"

namespace nsfence::policy {

inline constexpr char kApiVersion[] = "nsfence.io/v1alpha1";
inline constexpr char kKind[] = "IsolationPolicy";

enum class Mode { kEnforce, kAudit };
enum class Protocol : uint8_t { kTcp = 6, kUdp = 17 };

struct IpBlock {
  Cidr cidr;
  std::vector<Cidr> except;  // each inside cidr
};

// Exactly one of the two is set.
struct Peer {
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
  SourcePos pos;
};

// A port or an inclusive range of one protocol. No port: every port.
struct PortRange {
  Protocol protocol = Protocol::kTcp;
  std::optional<uint16_t> port;
  std::optional<uint16_t> end_port;  // only with port; >= port
  SourcePos pos;

  uint16_t first() const { return port.value_or(0); }
  uint16_t last() const { return end_port.value_or(port.value_or(65535)); }
};

// NetworkPolicy semantics: empty peers = every peer; empty ports = every
// port of every protocol.
struct Rule {
  std::vector<Peer> peers;
  std::vector<PortRange> ports;
  SourcePos pos;
};

enum class CrossNamespace { kDeny, kAllow };
enum class HostIngress { kAllow, kDeny };

struct NetworkSpec {
  // Default for traffic between a governed namespace and any other peer.
  CrossNamespace cross_namespace = CrossNamespace::kDeny;
  // Ingress from the node's own addresses (inventory hostCIDRs), e.g. kubelet
  // probes; allowed unless denied here.
  HostIngress host_ingress = HostIngress::kAllow;
  std::vector<Rule> egress;
  std::vector<Rule> ingress;
};

struct Policy {
  std::string name;
  SourcePos pos;  // of the object in its file
  LabelSelector namespace_selector;
  Mode mode = Mode::kEnforce;
  // Absent: the policy does not govern the network of its namespaces.
  std::optional<NetworkSpec> network;
};

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_MODEL_H_
