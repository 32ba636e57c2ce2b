// Compiles policies against an inventory into what the datapath must allow,
// still in names and prefixes: pure, and testable without a kernel. The
// loader turns the result into map entries (loader/materialize.h).
//
// Semantics (docs/policy.md):
// - A namespace is governed when a policy with a `network` or a `tls` section
//   selects it. Ungoverned namespaces are unrestricted; namespaces governed
//   only by `tls` sections have an unrestricted network.
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
#ifndef NSFENCE_POLICY_COMPILER_H_
#define NSFENCE_POLICY_COMPILER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ip.h"
#include "inventory/model.h"
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

struct GovernedNamespace {
  std::string ruleset_key;
  Mode mode = Mode::kEnforce;     // of the network sections
  std::string attributed_policy;  // named in events for default denies
  // False when only tls sections select the namespace: its network is then
  // unrestricted (mode and attributed_policy mean nothing) and its ruleset
  // holds only requireTLS rules.
  bool network_governed = true;
  CompiledTls tls;
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
