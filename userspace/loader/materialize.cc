#include "loader/materialize.h"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/stable_hash.h"

namespace nsfence::loader {
namespace {

using policy::CompiledPeer;
using policy::CompiledRule;

nsfence_addr_key AddrKeyOf(const IpAddress& ip) {
  nsfence_addr_key key{};
  key.family = ip.family() == IpFamily::kV4 ? NSFENCE_FAMILY_V4 : NSFENCE_FAMILY_V6;
  std::memcpy(key.addr, ip.bytes().data(), 16);
  return key;
}

nsfence_peer_key PeerKeyOf(const Cidr& cidr) {
  nsfence_peer_key key{};
  key.family = cidr.family() == IpFamily::kV4 ? NSFENCE_FAMILY_V4 : NSFENCE_FAMILY_V6;
  key.prefixlen = 8 + cidr.prefix_len();
  std::memcpy(key.addr, cidr.address().bytes().data(), 16);
  return key;
}

uint8_t DirectionOf(policy::Direction d) {
  switch (d) {
    case policy::Direction::kEgress:
      return NSFENCE_DIR_EGRESS;
    case policy::Direction::kIngress:
      return NSFENCE_DIR_INGRESS;
    case policy::Direction::kRequireTls:
      return NSFENCE_DIR_REQUIRE_TLS;
    case policy::Direction::kRequireTlsAudit:
      return NSFENCE_DIR_REQUIRE_TLS_AUDIT;
  }
  return 0;
}

static_assert(static_cast<int>(policy::TlsVersion::kTls10) == NSFENCE_TLS_1_0 &&
              static_cast<int>(policy::TlsVersion::kTls11) == NSFENCE_TLS_1_1 &&
              static_cast<int>(policy::TlsVersion::kTls12) == NSFENCE_TLS_1_2 &&
              static_cast<int>(policy::TlsVersion::kTls13) == NSFENCE_TLS_1_3);

uint8_t VersionCodeOf(const std::optional<policy::TlsVersion>& floor) {
  return floor ? static_cast<uint8_t>(*floor) : static_cast<uint8_t>(NSFENCE_TLS_NONE);
}

nsfence_tls_floors FloorsOf(const policy::CompiledTls& tls) {
  nsfence_tls_floors floors{};
  floors.egress_enforce = VersionCodeOf(tls.egress.enforce);
  floors.egress_audit = VersionCodeOf(tls.egress.audit);
  floors.ingress_enforce = VersionCodeOf(tls.ingress.enforce);
  floors.ingress_audit = VersionCodeOf(tls.ingress.audit);
  return floors;
}

uint8_t DeviceGuardOf(const std::optional<policy::Mode>& devices) {
  if (!devices) return 0;
  return *devices == policy::Mode::kEnforce ? NSFENCE_MODE_ENFORCE : NSFENCE_MODE_AUDIT;
}

class Builder {
 public:
  Builder(const policy::Compiled& compiled, const inventory::Inventory& inventory,
          Registry& registry)
      : compiled_(compiled), inventory_(inventory), registry_(registry) {}

  void Identities() {
    for (const inventory::Namespace& ns : inventory_.namespaces) {
      identity_[ns.name] = AssignIdentity(registry_, ns);
    }
  }

  void Prefixes() {
    for (const policy::CompiledPrefix& p : compiled_.prefixes) {
      const std::string text = p.cidr.ToString();
      const uint32_t id = registry_.Assign(NSFENCE_REG_PREFIX, StableHash(absl::StrCat("prefix:", text)), text);
      prefix_id_[p.cidr] = id;
      nsfence_peer peer{};
      peer.identity = id;
      peer.kind = p.host ? NSFENCE_PEER_HOST : NSFENCE_PEER_WORLD;
      out_.state.peers[PeerKey(PeerKeyOf(p.cidr))] = Bytes(peer);
    }
  }

  void Pods(const CgroupResolver& cgroups) {
    for (const inventory::Pod& pod : inventory_.pods) {
      const auto known = identity_.find(pod.namespace_name);
      if (known == identity_.end()) {
        // Sources keep pods with their namespaces; one that does not is a bug to see, not a crash.
        out_.warnings.push_back(absl::StrCat("pod ", pod.namespace_name, "/", pod.name,
                                             " left out: its namespace is not in the inventory"));
        continue;
      }
      const uint32_t identity = known->second;
      for (const IpAddress& ip : pod.ips) {
        nsfence_peer peer{};
        peer.identity = identity;
        peer.kind = NSFENCE_PEER_POD;
        // Looked up before prefixes: a pod address wins over an equal prefix.
        out_.state.pod_addrs[AddrKey(AddrKeyOf(ip))] = Bytes(peer);
      }
      if (pod.cgroup.empty()) continue;
      const absl::StatusOr<uint64_t> id = cgroups(pod.cgroup);
      if (!id.ok()) {
        out_.warnings.push_back(absl::StrCat("pod ", pod.namespace_name, "/", pod.name,
                                             " is not enforced on this node: ", id.status().message()));
        out_.unresolved_cgroups.push_back(pod.cgroup);
        continue;
      }
      nsfence_endpoint ep{};
      ep.identity = identity;
      out_.state.endpoints[*id] = Bytes(ep);
      out_.cgroup_ids[pod.cgroup] = *id;
    }
  }

  void Rulesets() {
    for (const auto& [key, rs] : compiled_.rulesets) {
      const uint32_t id = registry_.Assign(NSFENCE_REG_RULESET, StableHash(absl::StrCat("ruleset:", key)), "");
      ruleset_id_[key] = id;
      for (const CompiledRule& r : rs.rules) AddRule(id, r);
    }
  }

  void Governed() {
    for (const auto& [ns, g] : compiled_.governed) {
      nsfence_identity cfg{};
      cfg.ruleset = ruleset_id_.at(g.ruleset_key);
      cfg.mode = NSFENCE_MODE_ENFORCE;
      if (g.network_governed) {
        cfg.policy = PolicyId(g.attributed_policy);
        if (g.mode == policy::Mode::kAudit) cfg.mode = NSFENCE_MODE_AUDIT;
      } else {
        cfg.flags |= NSFENCE_IDENTITY_NO_NETWORK;
      }
      cfg.tls = FloorsOf(g.tls);
      cfg.tls_policy = PolicyIdOrNone(g.tls.policy);
      cfg.tls_audit_policy = PolicyIdOrNone(g.tls.audit_policy);
      cfg.exec = ExecPolicyOf(g.containers);
      out_.state.identities[identity_.at(ns)] = Bytes(cfg);
    }
  }

  Materialized Take() { return std::move(out_); }

 private:
  uint32_t PolicyId(const std::string& name) {
    const uint32_t id = registry_.Assign(NSFENCE_REG_POLICY, StableHash(absl::StrCat("policy:", name)), name);
    out_.policy_names.try_emplace(id, name);
    return id;
  }

  uint32_t PolicyIdOrNone(const std::string& name) {
    return name.empty() ? static_cast<uint32_t>(NSFENCE_ID_NONE) : PolicyId(name);
  }

  nsfence_exec_policy ExecPolicyOf(const policy::CompiledContainers& c) {
    nsfence_exec_policy exec{};
    exec.denied_caps = c.denied_caps;
    exec.audited_caps = c.audited_caps;
    exec.policy = PolicyIdOrNone(c.policy);
    exec.audit_policy = PolicyIdOrNone(c.audit_policy);
    exec.host_ns_denied = c.host_ns_denied;
    exec.host_ns_audited = c.host_ns_audited;
    exec.devices = DeviceGuardOf(c.devices);
    return exec;
  }

  uint32_t PeerId(const CompiledPeer& peer) const {
    switch (peer.kind) {
      case CompiledPeer::Kind::kAny:
        return NSFENCE_ID_ANY;
      case CompiledPeer::Kind::kNamespace:
        return identity_.at(peer.namespace_name);
      case CompiledPeer::Kind::kPrefix:
        return prefix_id_.at(peer.prefix);
    }
    return NSFENCE_ID_NONE;
  }

  // Exact ports and wildcards are hash entries; other ranges LPM prefixes.
  void AddRule(uint32_t ruleset, const CompiledRule& r) {
    nsfence_rule value{};
    value.policy = PolicyId(r.policy);
    nsfence_rule_key key{};
    key.ruleset = ruleset;
    key.peer = PeerId(r.peer);
    key.direction = DirectionOf(r.direction);
    // The first policy to allow a key is the one named for it.
    if (!r.protocol) {
      key.prefixlen = NSFENCE_RULE_PREFIX_ANY_PROTOCOL;
      out_.state.rules.try_emplace(RuleKey(key), Bytes(value));
      return;
    }
    key.protocol = static_cast<uint8_t>(*r.protocol);
    if (r.first_port == 0 && r.last_port == 65535) {
      key.prefixlen = NSFENCE_RULE_PREFIX_ANY_PORT;
      out_.state.rules.try_emplace(RuleKey(key), Bytes(value));
      return;
    }
    if (r.first_port == r.last_port) {
      key.prefixlen = NSFENCE_RULE_PREFIX_FULL;
      key.port = htons(r.first_port);
      out_.state.rules.try_emplace(RuleKey(key), Bytes(value));
      return;
    }
    for (const auto& [port, bits] : PortPrefixes(r.first_port, r.last_port)) {
      key.port = htons(port);
      key.prefixlen = NSFENCE_RULE_PREFIX_ANY_PORT + bits;
      out_.state.rule_ranges.try_emplace(RuleKey(key), Bytes(value));
    }
  }

  const policy::Compiled& compiled_;
  const inventory::Inventory& inventory_;
  Registry& registry_;
  absl::flat_hash_map<std::string, uint32_t> identity_;
  absl::flat_hash_map<Cidr, uint32_t> prefix_id_;
  absl::flat_hash_map<std::string, uint32_t> ruleset_id_;
  Materialized out_;
};

}  // namespace

uint32_t AssignIdentity(Registry& registry, const inventory::Namespace& ns) {
  std::string content = absl::StrCat("namespace:", ns.name);
  for (const auto& [key, value] : ns.labels) absl::StrAppend(&content, "\n", key, "=", value);
  return registry.Assign(NSFENCE_REG_IDENTITY, StableHash(content), ns.name);
}

std::vector<std::pair<uint16_t, int>> PortPrefixes(uint16_t first, uint16_t last) {
  std::vector<std::pair<uint16_t, int>> out;
  uint32_t lo = first;
  const uint32_t hi = last;
  while (lo <= hi) {
    // Largest aligned block starting at lo that stays within hi.
    int host_bits = 0;
    while (host_bits < 16 && (lo & ((1u << (host_bits + 1)) - 1)) == 0 &&
           lo + (1u << (host_bits + 1)) - 1 <= hi) {
      ++host_bits;
    }
    out.emplace_back(static_cast<uint16_t>(lo), 16 - host_bits);
    lo += 1u << host_bits;
  }
  return out;
}

absl::StatusOr<Materialized> Materialize(const policy::Compiled& compiled,
                                         const inventory::Inventory& inventory,
                                         Registry& registry, const CgroupResolver& cgroups) {
  Builder b(compiled, inventory, registry);
  b.Identities();
  b.Prefixes();
  b.Pods(cgroups);
  b.Rulesets();
  b.Governed();
  return b.Take();
}

}  // namespace nsfence::loader
