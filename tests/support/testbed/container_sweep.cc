#include "support/testbed/container_sweep.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "support/testbed/command.h"
#include "support/testbed/legacy_cgroups.h"
#include "support/testbed/loop_device.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kRuncTimeout = absl::Seconds(10);

bool IsLeftover(std::optional<pid_t> owner) {
  return owner.has_value() && *owner != getpid() && kill(*owner, 0) != 0 && errno == ESRCH;
}

// Kills and deletes every container in a dead runtime's state directory.
void DeleteContainers(const std::string& state_dir) {
  absl::StatusOr<CommandResult> listed =
      RunCommand({"runc", "--root", state_dir, "list", "-q"}, {.timeout = kRuncTimeout});
  if (!listed.ok() || !listed->exit.success()) return;
  for (absl::string_view id : absl::StrSplit(listed->stdout_text, '\n', absl::SkipEmpty())) {
    (void)RunCommand({"runc", "--root", state_dir, "delete", "-f", std::string(id)},
                     {.timeout = kRuncTimeout});
  }
}

}  // namespace

std::optional<pid_t> ScratchOwner(absl::string_view name, absl::string_view prefix) {
  if (!absl::ConsumePrefix(&name, prefix)) return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('-', 1));
  pid_t pid = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &pid) || pid <= 0) return std::nullopt;
  return pid;
}

void SweepContainerLeftovers() {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), error)) {
    const std::string name = entry.path().filename().string();
    const bool runtime = IsLeftover(ScratchOwner(name, kRuntimeScratchPrefix));
    if (!runtime && !IsLeftover(ScratchOwner(name, kRootfsScratchPrefix))) continue;
    log::Info("removing test leftover ", entry.path().string());
    if (runtime) DeleteContainers((entry.path() / "state").string());
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
  LoopDevice::SweepLeftovers();
  SweepLegacyCgroupLeftovers();
}

}  // namespace nsfence::testbed
