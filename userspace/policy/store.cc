#include "policy/store.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/yaml_fields.h"
#include "policy/parser.h"

namespace nsfence::policy {
namespace {

namespace fs = std::filesystem;

std::string DirectoryEntry(const std::string& dir, const std::string& name) {
  return absl::EndsWith(dir, "/") ? absl::StrCat(dir, name) : absl::StrCat(dir, "/", name);
}

bool IsEntryOf(const std::string& file, const std::string& dir) {
  return file == DirectoryEntry(dir, fs::path(file).filename().string());
}

bool IsPolicyFileName(const std::string& name) {
  return !absl::StartsWith(name, ".") &&
         (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml"));
}

// The policy files of a directory, sorted by name.
std::vector<std::string> ListDirectory(const std::string& dir, std::error_code* error) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, *error), end; !*error && it != end; it.increment(*error)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;  // an entry that vanished meanwhile is simply not listed
    if (IsPolicyFileName(name) && fs::is_regular_file(it->path(), ignored)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> files;
  files.reserve(names.size());
  for (const std::string& name : names) files.push_back(DirectoryEntry(dir, name));
  return files;
}

void Reject(const std::string& file, Diagnostics problems, PolicyStore::ReloadResult* result) {
  result->rejected_files.push_back(file);
  for (Diagnostic& problem : problems) result->errors.push_back(std::move(problem));
}

}  // namespace

PolicyStore::PolicyStore(std::vector<std::string> paths) : paths_(std::move(paths)) {}

PolicyStore::ReloadResult PolicyStore::Reload() {
  ReloadResult result;
  listed_ = ListFiles(&result);
  std::vector<Proposal> proposals;
  for (const std::string& file : listed_) {
    if (std::optional<Proposal> proposal = Propose(file, &result)) {
      proposals.push_back(std::move(*proposal));
    }
  }
  ResolveNameConflicts(&proposals, &result);

  std::map<std::string, FileContent> next;
  for (Proposal& proposal : proposals) next.emplace(proposal.file, std::move(proposal.content));
  result.changed = !std::equal(next.begin(), next.end(), in_force_.begin(), in_force_.end(),
                               [](const auto& a, const auto& b) {
                                 return a.first == b.first && a.second.text == b.second.text;
                               });
  in_force_ = std::move(next);

  policies_.clear();
  for (const auto& [file, content] : in_force_) {
    policies_.insert(policies_.end(), content.policies.begin(), content.policies.end());
  }
  std::sort(policies_.begin(), policies_.end(),
            [](const Policy& a, const Policy& b) { return a.name < b.name; });
  return result;
}

std::vector<std::string> PolicyStore::WatchedFiles() const {
  std::set<std::string> files(paths_.begin(), paths_.end());
  files.insert(listed_.begin(), listed_.end());
  return {files.begin(), files.end()};
}

std::vector<std::string> PolicyStore::ListFiles(ReloadResult* result) const {
  std::vector<std::string> files;
  for (const std::string& path : paths_) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> listed = ListDirectory(path, &error);
      if (!error) {
        files.insert(files.end(), listed.begin(), listed.end());
        continue;
      }
      Reject(path, {FileErrorDiagnostic(path, error.value())}, result);
    } else {
      // Reading tells whether it exists.
      files.push_back(path);
    }
    // A directory that cannot be listed, or is gone, still names the files it
    // had: reading each decides whether its content stays in force.
    for (const auto& [file, content] : in_force_) {
      if (IsEntryOf(file, path)) files.push_back(file);
    }
  }
  std::set<std::string> seen;
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const std::string& file) { return !seen.insert(file).second; }),
              files.end());
  return files;
}

std::optional<PolicyStore::Proposal> PolicyStore::Propose(const std::string& file,
                                                          ReloadResult* result) const {
  Proposal proposal{.file = file};
  Diagnostics problems;
  if (std::optional<std::string> text = ReadFileText(file, &problems)) {
    const auto current = in_force_.find(file);
    if (current != in_force_.end() && current->second.text == *text) {
      proposal.content = current->second;
      return proposal;
    }
    ParseResult parsed = ParsePolicies(*text, file);
    if (parsed.ok()) {
      proposal.content = FileContent{std::move(*text), std::move(parsed.policies)};
      proposal.fresh = true;
      return proposal;
    }
    problems = std::move(parsed.diagnostics);
  }
  Reject(file, std::move(problems), result);
  if (!Revert(&proposal)) return std::nullopt;
  return proposal;
}

void PolicyStore::ResolveNameConflicts(std::vector<Proposal>* proposals,
                                       ReloadResult* result) const {
  // Content in force never conflicts with itself, so it claims its names
  // first; fresh content then claims in file order. Taking fresh content back
  // brings back older content, whose names may clash anew: start over.
  for (;;) {
    std::map<std::string, const Policy*> owners;
    for (const Proposal& proposal : *proposals) {
      if (proposal.fresh) continue;
      for (const Policy& policy : proposal.content.policies) owners.emplace(policy.name, &policy);
    }
    auto conflicting = proposals->end();
    for (auto it = proposals->begin(); it != proposals->end(); ++it) {
      if (!it->fresh) continue;
      Diagnostics conflicts;
      for (const Policy& policy : it->content.policies) {
        const auto owner = owners.find(policy.name);
        if (owner == owners.end()) continue;
        conflicts.push_back(
            {policy.pos, absl::StrCat("policy \"", policy.name, "\" is already defined at ",
                                      owner->second->pos.ToString())});
      }
      if (!conflicts.empty()) {
        Reject(it->file, std::move(conflicts), result);
        conflicting = it;
        break;
      }
      for (const Policy& policy : it->content.policies) owners.emplace(policy.name, &policy);
    }
    if (conflicting == proposals->end()) return;
    if (!Revert(&*conflicting)) proposals->erase(conflicting);
  }
}

bool PolicyStore::Revert(Proposal* proposal) const {
  const auto current = in_force_.find(proposal->file);
  if (current == in_force_.end()) return false;
  proposal->content = current->second;
  proposal->fresh = false;
  return true;
}

absl::StatusOr<std::vector<Policy>> LoadPoliciesOnce(std::vector<std::string> paths) {
  PolicyStore store(std::move(paths));
  const PolicyStore::ReloadResult result = store.Reload();
  if (!result.errors.empty()) return ToStatus(result.errors);
  return store.policies();
}

}  // namespace nsfence::policy
