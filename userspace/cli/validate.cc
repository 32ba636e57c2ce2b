#include "cli/validate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "inventory/parser.h"
#include "policy/store.h"
#include "yaml-cpp/yaml.h"

namespace nsfence::cli {
namespace {

namespace fs = std::filesystem;

bool IsYaml(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> entries;
    for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
      if (IsYaml(e.path()) && e.path().filename().string()[0] != '.') entries.push_back(e.path().string());
    }
    std::sort(entries.begin(), entries.end());
    files.insert(files.end(), entries.begin(), entries.end());
  }
  return files;
}

// A parse failure is left to the policy parser, which reports it in place.
bool LooksLikeInventory(const std::string& text) {
  try {
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
      if (doc.IsMap() && (doc["namespaces"] || doc["pods"] || doc["hostCIDRs"])) return true;
    }
  } catch (const YAML::Exception&) {
  }
  return false;
}

}  // namespace

int Validate(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
  if (paths.empty()) {
    err << "nsfencectl validate: give at least one policy or inventory file or directory\n";
    return 2;
  }
  bool failed = false;
  std::vector<std::string> policy_files;
  for (const std::string& file : ExpandPaths(paths)) {
    std::ifstream in(file);
    if (!in) {
      err << file << ": cannot be read (does it exist?)\n";
      failed = true;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    if (!LooksLikeInventory(text.str())) {
      policy_files.push_back(file);
      continue;
    }
    const inventory::ParseResult r = inventory::ParseInventory(text.str(), file);
    for (const Diagnostic& d : r.diagnostics) err << d.ToString() << "\n";
    if (r.ok()) {
      out << file << ": inventory ok (" << r.inventory.namespaces.size() << " namespaces, "
          << r.inventory.pods.size() << " pods)\n";
    }
    failed |= !r.ok();
  }
  if (!policy_files.empty()) {
    // Read together: policy names must be unique across files.
    const absl::StatusOr<std::vector<policy::Policy>> policies = policy::LoadPoliciesOnce(policy_files);
    if (policies.ok()) {
      out << policy_files.size() << " policy file(s) ok (" << policies->size() << " policies)\n";
    } else {
      err << policies.status().message() << "\n";
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace nsfence::cli
