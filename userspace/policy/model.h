// IsolationPolicy objects as nsfence understands them (after parsing and
// validation). The YAML shape is documented in docs/policy.md.
#ifndef NSFENCE_POLICY_MODEL_H_
#define NSFENCE_POLICY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/capabilities.h"
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

// TLS versions in order; the values are the ABI's nsfence_tls_version_code.
enum class TlsVersion : uint8_t { kTls10 = 1, kTls11 = 2, kTls12 = 3, kTls13 = 4 };

// How policies write each version (minVersion), lowest first.
struct TlsVersionName {
  const char* text;
  TlsVersion version;
};
inline constexpr TlsVersionName kTlsVersionNames[] = {{"1.0", TlsVersion::kTls10},
                                                      {"1.1", TlsVersion::kTls11},
                                                      {"1.2", TlsVersion::kTls12},
                                                      {"1.3", TlsVersion::kTls13}};

// The pod's TLS role a floor applies to: egress when the pod is the client
// (its ClientHello leaves the pod), ingress when it is the server.
enum class TlsDirection { kEgress, kIngress, kBoth };

struct TlsSpec {
  // Handshakes below it are blocked (enforce) or reported (audit).
  TlsVersion min_version = TlsVersion::kTls12;
  TlsDirection direction = TlsDirection::kBoth;
  // Connections the pod opens that must begin with a TLS ClientHello: `to`
  // peers, TCP ports only. Empty peers = every peer; empty ports = every TCP
  // port.
  std::vector<Rule> require_tls;
};

// What a privileged process in the namespace's pods meets: stopped at exec
// (deny), reported (audit) or let be (allow).
enum class Privileged { kDeny, kAudit, kAllow };
// Whether a process may share the node's pid, net, ipc or mount namespace.
enum class HostNamespaces { kDeny, kAllow };

// spec.containers. A process is privileged when its bounding set holds a
// capability outside RuntimeDefaultCapabilities() and allowed_capabilities
// (CAP_SYS_ADMIN always counts), or when it shares a host namespace that
// host_namespaces denies (common/capabilities.h).
struct ContainersSpec {
  Privileged privileged = Privileged::kDeny;
  // Beyond the runtime's default set; never holds CAP_SYS_ADMIN.
  CapabilityMask allowed_capabilities = 0;
  HostNamespaces host_namespaces = HostNamespaces::kDeny;
  SourcePos pos;  // of the section
};

// spec.response: what the agent does to a pod once its violations reach a
// threshold. Violations count toward the pod that caused them: its own
// egress network and TLS client violations, TLS violations of the versions it
// selected as a server, and its privileged and device violations.
enum class ViolationKind { kNetwork, kTls, kPrivileged, kDevice };
enum class ResponseAction {
  // The datapath drops all traffic of the pod (its own namespace included)
  // until the pod is gone or released (nsfencectl release).
  kQuarantine,
  // Every process in the pod's cgroup is killed (cgroup.kill).
  kKillPodProcesses,
};

struct ResponseRule {
  ViolationKind kind = ViolationKind::kNetwork;
  // `count` violations of `kind` by one pod within `within` trigger `action`.
  uint32_t count = 1;
  absl::Duration within = absl::Seconds(60);
  ResponseAction action = ResponseAction::kQuarantine;
  SourcePos pos;  // of the list item

  friend bool operator==(const ResponseRule&, const ResponseRule&) = default;
};

struct Policy {
  std::string name;
  SourcePos pos;  // of the object in its file
  LabelSelector namespace_selector;
  Mode mode = Mode::kEnforce;
  // Absent: the policy does not govern the network of its namespaces.
  std::optional<NetworkSpec> network;
  // Absent: the policy sets no TLS floor.
  std::optional<TlsSpec> tls;
  // Absent: the policy imposes no checks on its namespaces' containers.
  std::optional<ContainersSpec> containers;
  // Graduated response; a policy in audit mode reports what it would do.
  std::vector<ResponseRule> response;
};

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_MODEL_H_
