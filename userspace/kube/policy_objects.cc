#include "kube/policy_objects.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/objects.h"

namespace nsfence::kube {

PolicyObjects::UpdateResult PolicyObjects::Update(const Snapshot& snapshot,
                                                  const std::set<std::string>& reserved) {
  UpdateResult result;
  std::map<std::string, InForce> next;
  std::map<std::string, Refused> invalid;
  for (const ObjectPtr& object : snapshot.objects) {
    absl::StatusOr<IsolationPolicyObject> read = IsolationPolicyFromObject(*object);
    if (!read.ok()) {
      // Without a name there is nothing to keep or report it by.
      result.errors.push_back({.pos = {.file = "isolationpolicy"}, .message = std::string(read.status().message())});
      continue;
    }
    const auto kept = in_force_.find(read->name);
    const auto refused = invalid_.find(read->name);
    const bool taken = reserved.count(read->name) > 0;
    const bool seen = (kept != in_force_.end() && kept->second.resource_version == read->resource_version && !taken) ||
                      (refused != invalid_.end() && refused->second.resource_version == read->resource_version &&
                       (!refused->second.name_taken || taken));
    if (seen) {
      if (kept != in_force_.end()) next.insert(*kept);
      if (refused != invalid_.end()) invalid.insert(*refused);
      continue;
    }
    Diagnostics problems;
    bool name_taken = false;
    policy::ParseResult parsed = ParseIsolationPolicy(*read);
    if (!parsed.ok()) {
      problems = std::move(parsed.diagnostics);
    } else if (taken) {
      name_taken = true;
      problems.push_back({.pos = {.file = absl::StrCat("isolationpolicy/", read->name)},
                          .message = absl::StrCat("a policy file defines \"", read->name,
                                                  "\" too; the file's policy stays in force: rename one of them")});
    }
    if (problems.empty()) {
      next[read->name] = {.resource_version = read->resource_version, .policies = std::move(parsed.policies)};
      continue;
    }
    for (Diagnostic& d : problems) {
      d.message = absl::StrCat(d.message, " (object refused, never applied",
                               kept != in_force_.end() && !taken ? "; its last good content stays in force)" : ")");
      result.errors.push_back(std::move(d));
    }
    invalid[read->name] = {.resource_version = read->resource_version, .name_taken = name_taken};
    // A file's policy of the same name wins; else the last good content stays.
    if (kept != in_force_.end() && !taken) next[read->name] = kept->second;
  }
  std::vector<policy::Policy> policies;
  for (const auto& [name, content] : next) {
    for (const policy::Policy& p : content.policies) policies.push_back(p);
  }
  std::sort(policies.begin(), policies.end(),
            [](const policy::Policy& a, const policy::Policy& b) { return a.name < b.name; });
  // The same objects at the same versions: the same policies.
  result.changed = !std::equal(in_force_.begin(), in_force_.end(), next.begin(), next.end(),
                               [](const auto& a, const auto& b) {
                                 return a.first == b.first && a.second.resource_version == b.second.resource_version;
                               });
  in_force_ = std::move(next);
  invalid_ = std::move(invalid);
  policies_ = std::move(policies);
  return result;
}

}  // namespace nsfence::kube
