#include "support/testbed/sweep.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "support/testbed/cgroup_dir.h"
#include "support/testbed/netns.h"
#include "support/testbed/owned_names.h"

namespace nsfence::testbed {
namespace {

// A killed process is a zombie until reaped, which can take a while when
// its parent is gone too; it runs no more.
bool IsRunning(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;  // gone meanwhile
  // "<pid> (<comm>) <state> ...": comm may hold spaces and parentheses.
  const size_t comm_end = line.rfind(')');
  return comm_end == std::string::npos || line.substr(comm_end + 1, 3) != " Z ";
}

bool IsLeftover(std::optional<pid_t> owner) {
  return owner.has_value() && *owner != getpid() && !IsRunning(*owner);
}

// Calls `remove` on every entry of `directory` whose owner (per `owner_of`)
// is dead; keeps the first error and goes on.
template <typename OwnerOf, typename Remove>
absl::Status RemoveLeftoversIn(const std::string& directory, OwnerOf owner_of, Remove remove) {
  absl::Status result;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (!IsLeftover(owner_of(name))) continue;
    log::Info("removing test leftover ", entry.path().string());
    result.Update(remove(entry.path().string(), name));
  }
  return result;
}

}  // namespace

absl::Status SweepLeftovers(const std::string& cgroup_mount) {
  // Cgroups first: killing their processes lets the namespaces go.
  absl::Status result = RemoveLeftoversIn(
      cgroup_mount, CgroupRootOwner,
      [](const std::string& path, const std::string&) { return RemoveCgroupTree(path); });
  result.Update(RemoveLeftoversIn(
      kNetnsDirectory, NetnsOwner,
      [](const std::string&, const std::string& name) { return DeleteNetns(name); }));
  return result;
}

}  // namespace nsfence::testbed
