// Compiles policies against an inventory into what the datapath must allow,
// still in names and prefixes: pure, and testable without a kernel. The
// loader turns the result into map entries (loader/materialize.h).
//
// Semantics (docs/policy.md):
// - A namespace is governed when a policy with a `network`, a `tls` or a
//   `containers` section selects it. Ungoverned namespaces are unrestricted;
//   namespaces governed only by `tls` or `containers` sections have an
//   unrestricted network.
// - Traffic within a namespace is always allowed.
// - Several policies on one namespace: allows are a union. If any of them is
//   in enforce mode, only enforce policies count (audit never weakens
//   enforcement) and what they do not allow is blocked; otherwise what the
//   audit policies do not allow passes and is reported.
// - ipBlock selects addresses that belong to no pod; pods are selected by
//   namespaceSelector.
// - TLS, per role of the pod (egress: client, ingress: server): the enforce
//   floor is the highest minVersion of the enforce policies covering the
//   role, the audit floor that of the audit policies, kept only above the
//   enforce floor. requireTLS rules of enforce and of audit policies are both
//   kept, as rules of their own directions.
// - Containers, over the policies with a `containers` section selecting the
//   namespace. Each policy p acts: none when privileged: allow; audit when
//   privileged: audit or p's mode is audit (audit policies never stop
//   anything); deny otherwise. caps(p) = PrivilegedCapabilities(p's
//   allowedCapabilities), hostns(p) = pid|net|ipc|mnt when hostNamespaces:
//   deny, else none. Then denied_caps = OR of caps(p) over deny policies,
//   audited_caps = OR over audit policies minus denied_caps; host_ns_denied and
//   host_ns_audited likewise from hostns(p). A capability or namespace that one
//   policy allows is thus still judged when another policy on the namespace
//   does not allow it. policy (audit_policy) is the first deny (audit) policy
//   by name; the device guard enforces with any deny policy, else audits with
//   any audit policy, else is off. `privileged: allow` alone governs the
//   namespace and judges nothing.
#ifndef NSFENCE_POLICY_COMPILER_H_
#define NSFENCE_POLICY_COMPILER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/capabilities.h"
#include "common/ip.h"
#include "inventory/model.h"
#include "nsfence/abi.h"
#include "policy/model.h"

namespace nsfence::policy {

// As the datapath's rule keys: allows of each direction, and requireTLS
// rules (egress connections that must start with a TLS ClientHello) of
// enforce and of audit policies.
enum class Direction { kEgress, kIngress, kRequireTls, kRequireTlsAudit };

struct CompiledPeer {
  enum class Kind { kAny, kNamespace, kPrefix };
  Kind kind = Kind::kAny;
  std::string namespace_name;  // kNamespace
  Cidr prefix;                 // kPrefix: one of Compiled::prefixes

  friend bool operator==(const CompiledPeer&, const CompiledPeer&) = default;
};

// One allow (or requireTLS rule): traffic in `direction` with `peer` on these
// ports.
struct CompiledRule {
  Direction direction = Direction::kEgress;
  CompiledPeer peer;
  std::optional<Protocol> protocol;  // nullopt: every protocol (and port)
  uint16_t first_port = 0;
  uint16_t last_port = 65535;
  std::string policy;  // whose rule it is

  friend bool operator==(const CompiledRule&, const CompiledRule&) = default;
};

// The allows and requireTLS rules of one combination of policies. Namespaces
// governed by the same policies share one ruleset.
struct Ruleset {
  // Canonical text of the policies compiled into it (their network and tls
  // sections): equal keys, equal rules.
  std::string key;
  std::vector<std::string> policies;
  std::vector<CompiledRule> rules;
};

// The lowest TLS versions of one role of a namespace's pods; nullopt: none.
struct TlsFloor {
  std::optional<TlsVersion> enforce;  // below it a handshake is blocked
  std::optional<TlsVersion> audit;    // below it reported; only set above enforce

  friend bool operator==(const TlsFloor&, const TlsFloor&) = default;
};

struct CompiledTls {
  TlsFloor egress;   // the pod as TLS client
  TlsFloor ingress;  // the pod as TLS server
  // Named in events below an enforce (audit) floor: the first policy, in name
  // order, whose minVersion is that floor in a role it covers. Empty when
  // there is no such floor.
  std::string policy;
  std::string audit_policy;

  friend bool operator==(const CompiledTls&, const CompiledTls&) = default;
};

// Every namespace a process may share with the node (enum nsfence_host_ns).
inline constexpr uint8_t kAllHostNamespaces =
    NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET | NSFENCE_HOST_NS_IPC | NSFENCE_HOST_NS_MNT;

// What the namespace's pods may start with (nsfence_exec_policy). All zero
// and empty: its containers are not judged.
struct CompiledContainers {
  // Bounding-set bits that stop an exec, and those reported (never also denied).
  CapabilityMask denied_caps = 0;
  CapabilityMask audited_caps = 0;
  // enum nsfence_host_ns bits: host namespaces a process may not share
  // (denied), or is reported for sharing (audited, never also denied).
  uint8_t host_ns_denied = 0;
  uint8_t host_ns_audited = 0;
  // Named when an exec is stopped or a device denied (the first deny policy
  // by name), and when one is audited (the first audit policy); empty when
  // there is none.
  std::string policy;
  std::string audit_policy;
  // The device guard (docs/policy.md, "Containers"): nullopt when off.
  std::optional<Mode> devices;

  friend bool operator==(const CompiledContainers&, const CompiledContainers&) = default;
};

struct GovernedNamespace {
  std::string ruleset_key;
  Mode mode = Mode::kEnforce;     // of the network sections
  std::string attributed_policy;  // named in events for default denies
  // False when only tls or containers sections select the namespace: its
  // network is then unrestricted (mode and attributed_policy mean nothing)
  // and its ruleset holds only requireTLS rules.
  bool network_governed = true;
  CompiledTls tls;
  CompiledContainers containers;
};

struct CompiledPrefix {
  Cidr cidr;
  bool host = false;  // inside one of the inventory's hostCIDRs
};

struct Compiled {
  std::map<std::string, Ruleset> rulesets;            // by key
  std::map<std::string, GovernedNamespace> governed;  // by namespace name
  // Every prefix the peer trie holds: each CIDR and except of every policy,
  // and the inventory's hostCIDRs.
  std::vector<CompiledPrefix> prefixes;
};

// `extra_prefixes` join the prefix set: a caller moving between two policy
// sets passes the other set's prefixes so both compile against the same trie.
absl::StatusOr<Compiled> Compile(const std::vector<Policy>& policies,
                                 const inventory::Inventory& inventory,
                                 const std::vector<Cidr>& extra_prefixes = {});

// Every CIDR named by the policies' ipBlocks (cidr and except), in network
// rules and requireTLS rules.
std::vector<Cidr> PolicyPrefixes(const std::vector<Policy>& policies);

// Canonical text of a policy's network section, for ruleset keys.
std::string CanonicalNetworkText(const Policy& policy);

// Canonical text of a policy's tls section and mode, for ruleset keys.
std::string CanonicalTlsText(const Policy& policy);

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_COMPILER_H_
