// Turns a compiled policy into map contents: names become registry ids,
// port ranges become LPM prefixes, pod cgroups become cgroup ids. Each
// governed namespace's identity entry carries its ruleset (allows and
// requireTLS rules), its network mode and TLS floors, what its containers may
// start with (nsfence_exec_policy, all zero when no containers section
// selects it), and the policies its events name; one governed only for TLS
// or containers is flagged NSFENCE_IDENTITY_NO_NETWORK (network
// unrestricted).
#ifndef NSFENCE_LOADER_MATERIALIZE_H_
#define NSFENCE_LOADER_MATERIALIZE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "inventory/model.h"
#include "loader/kernel_state.h"
#include "loader/registry.h"
#include "policy/compiler.h"

namespace nsfence::loader {

// cgroup directory (as written in the inventory) -> cgroup id.
using CgroupResolver = std::function<absl::StatusOr<uint64_t>(const std::string& cgroup)>;

struct Materialized {
  KernelState state;
  // Full names of the policy ids the maps refer to (the registry keeps
  // only a prefix of long names).
  absl::flat_hash_map<uint32_t, std::string> policy_names;
  // Pods left out of the endpoints map, and why (e.g. cgroup missing).
  std::vector<std::string> warnings;
  // Their cgroups, as the inventory names them, to retry later.
  std::vector<std::string> unresolved_cgroups;
  // The cgroup id of every pod enforced here, by the inventory's cgroup path.
  absl::flat_hash_map<std::string, uint64_t> cgroup_ids;
};

// Identity of a namespace: its name and labels, so a relabelled namespace
// gets a new identity (see applier.h).
uint32_t AssignIdentity(Registry& registry, const inventory::Namespace& ns);

// Inclusive port range [first, last] as the fewest aligned prefixes:
// {port, prefix bits}.
std::vector<std::pair<uint16_t, int>> PortPrefixes(uint16_t first, uint16_t last);

absl::StatusOr<Materialized> Materialize(const policy::Compiled& compiled,
                                         const inventory::Inventory& inventory,
                                         Registry& registry, const CgroupResolver& cgroups);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_MATERIALIZE_H_
