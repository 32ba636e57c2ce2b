#include "loader/enforcer.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/stable_hash.h"
#include "common/status_macros.h"
#include "policy/compiler.h"

namespace nsfence::loader {
namespace {

uint32_t PolicyId(Registry& registry, const std::string& name) {
  // The content hash materialize.cc gives a policy: same name, same id.
  return registry.Assign(NSFENCE_REG_POLICY, StableHash(absl::StrCat("policy:", name)), name);
}

}  // namespace

Enforcer::Enforcer(SegmentationMaps maps, MapIo* registry_map, CgroupResolver cgroups)
    : maps_(maps), registry_(registry_map), cgroups_(std::move(cgroups)) {}

absl::Status Enforcer::Adopt() {
  NSF_RETURN_IF_ERROR(registry_.Load());
  NSF_ASSIGN_OR_RETURN(current_, ReadKernelState(maps_));
  quarantined_.clear();
  for (const auto& [cgroup_id, bytes] : current_.endpoints) {
    const nsfence_endpoint& ep = bytes.v;
    if ((ep.flags & NSFENCE_ENDPOINT_QUARANTINED) == 0) continue;
    quarantined_[cgroup_id] = registry_.Name(NSFENCE_REG_POLICY, ep.quarantine_policy).value_or("");
  }
  return absl::OkStatus();
}

void Enforcer::MarkQuarantined(KernelState& state) {
  for (auto it = quarantined_.begin(); it != quarantined_.end();) {
    const auto ep = state.endpoints.find(it->first);
    if (ep == state.endpoints.end()) {
      quarantined_.erase(it++);  // the pod is gone: so is its quarantine
      continue;
    }
    ep->second.v.flags |= NSFENCE_ENDPOINT_QUARANTINED;
    ep->second.v.quarantine_policy = PolicyId(registry_, it->second);
    ++it;
  }
}

absl::Status Enforcer::WriteEndpoint(uint64_t cgroup_id, const nsfence_endpoint& ep) {
  NSF_RETURN_IF_ERROR(registry_.Persist());
  NSF_RETURN_IF_ERROR(maps_.endpoints->Update(&cgroup_id, &ep));
  current_.endpoints[cgroup_id] = Bytes(ep);
  return on_quarantine_change_ ? on_quarantine_change_(quarantined_.size()) : absl::OkStatus();
}

absl::Status Enforcer::Quarantine(uint64_t cgroup_id, const std::string& policy) {
  const auto it = current_.endpoints.find(cgroup_id);
  if (it == current_.endpoints.end()) {
    return absl::NotFoundError(absl::StrCat("no pod enforced on this node has cgroup id ", cgroup_id));
  }
  nsfence_endpoint ep = it->second.v;
  ep.flags |= NSFENCE_ENDPOINT_QUARANTINED;
  ep.quarantine_policy = PolicyId(registry_, policy);
  quarantined_[cgroup_id] = policy;
  return WriteEndpoint(cgroup_id, ep);
}

absl::Status Enforcer::Release(uint64_t cgroup_id) {
  const auto it = current_.endpoints.find(cgroup_id);
  if (!quarantined_.erase(cgroup_id) || it == current_.endpoints.end()) {
    return absl::NotFoundError(absl::StrCat("the pod with cgroup id ", cgroup_id, " is not quarantined"));
  }
  nsfence_endpoint ep = it->second.v;
  ep.flags &= ~NSFENCE_ENDPOINT_QUARANTINED;
  ep.quarantine_policy = 0;
  return WriteEndpoint(cgroup_id, ep);
}

absl::StatusOr<EnforceReport> Enforcer::ApplyOnce(const std::vector<policy::Policy>& policies,
                                                  const inventory::Inventory& inventory,
                                                  const std::vector<Cidr>& extra_prefixes) {
  NSF_ASSIGN_OR_RETURN(policy::Compiled compiled, policy::Compile(policies, inventory, extra_prefixes));
  registry_.BeginRound();
  NSF_ASSIGN_OR_RETURN(Materialized m, Materialize(compiled, inventory, registry_, cgroups_));
  const size_t quarantined_before = quarantined_.size();
  MarkQuarantined(m.state);
  NSF_RETURN_IF_ERROR(registry_.Persist());
  EnforceReport report;
  NSF_RETURN_IF_ERROR(Apply(m.state, maps_, &current_, &report.stats));
  report.governed_namespaces = compiled.governed.size();
  report.rulesets = compiled.rulesets.size();
  report.warnings = std::move(m.warnings);
  report.unresolved_cgroups = std::move(m.unresolved_cgroups);
  report.cgroup_ids = std::move(m.cgroup_ids);
  report.policy_names = std::move(m.policy_names);
  if (quarantined_.size() != quarantined_before && on_quarantine_change_) {
    NSF_RETURN_IF_ERROR(on_quarantine_change_(quarantined_.size()));
  }
  return report;
}

absl::StatusOr<EnforceReport> Enforcer::Enforce(const std::vector<policy::Policy>& policies,
                                                const inventory::Inventory& inventory) {
  const std::vector<Cidr> old_prefixes = policy::PolicyPrefixes(last_policies_);
  const std::vector<Cidr> new_prefixes = policy::PolicyPrefixes(policies);
  const std::set<Cidr> old_set(old_prefixes.begin(), old_prefixes.end());
  const std::set<Cidr> new_set(new_prefixes.begin(), new_prefixes.end());

  EnforceReport report;
  if (old_set != new_set && !last_policies_.empty()) {
    // Old rulesets learn the new prefixes, then the new ones take over while
    // the old prefixes are still in the trie; the last pass drops them.
    NSF_ASSIGN_OR_RETURN(EnforceReport widen, ApplyOnce(last_policies_, inventory, new_prefixes));
    NSF_ASSIGN_OR_RETURN(EnforceReport swap, ApplyOnce(policies, inventory, old_prefixes));
    report.stats.writes += widen.stats.writes + swap.stats.writes;
    report.stats.deletes += widen.stats.deletes + swap.stats.deletes;
  }
  NSF_ASSIGN_OR_RETURN(EnforceReport final_pass, ApplyOnce(policies, inventory, {}));
  final_pass.stats.writes += report.stats.writes;
  final_pass.stats.deletes += report.stats.deletes;
  NSF_RETURN_IF_ERROR(registry_.Release(absl::Now(), id_grace_));
  last_policies_ = policies;
  if (on_change_ && final_pass.stats.writes + final_pass.stats.deletes > 0) {
    NSF_RETURN_IF_ERROR(on_change_(current_));
  }
  return final_pass;
}

}  // namespace nsfence::loader
