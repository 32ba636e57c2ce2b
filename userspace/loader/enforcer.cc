#include "loader/enforcer.h"

#include <set>

#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "policy/compiler.h"

namespace nsfence::loader {

Enforcer::Enforcer(SegmentationMaps maps, MapIo* registry_map, CgroupResolver cgroups)
    : maps_(maps), registry_(registry_map), cgroups_(std::move(cgroups)) {}

absl::Status Enforcer::Adopt() {
  NSF_RETURN_IF_ERROR(registry_.Load());
  NSF_ASSIGN_OR_RETURN(current_, ReadKernelState(maps_));
  return absl::OkStatus();
}

absl::StatusOr<EnforceReport> Enforcer::ApplyOnce(const std::vector<policy::Policy>& policies,
                                                  const inventory::Inventory& inventory,
                                                  const std::vector<Cidr>& extra_prefixes) {
  NSF_ASSIGN_OR_RETURN(policy::Compiled compiled, policy::Compile(policies, inventory, extra_prefixes));
  registry_.BeginRound();
  NSF_ASSIGN_OR_RETURN(Materialized m, Materialize(compiled, inventory, registry_, cgroups_));
  NSF_RETURN_IF_ERROR(registry_.Persist());
  EnforceReport report;
  NSF_RETURN_IF_ERROR(Apply(m.state, maps_, &current_, &report.stats));
  report.governed_namespaces = compiled.governed.size();
  report.rulesets = compiled.rulesets.size();
  report.warnings = std::move(m.warnings);
  report.unresolved_cgroups = std::move(m.unresolved_cgroups);
  report.cgroup_ids = std::move(m.cgroup_ids);
  report.policy_names = std::move(m.policy_names);
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
