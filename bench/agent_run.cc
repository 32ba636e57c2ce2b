#include "agent_run.h"

#include <sys/types.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "process_stats.h"

namespace nsfence::bench {
namespace {

constexpr char kPolicyApplied[] = "policy applied:";
constexpr char kReady[] = "ready:";

// The first stderr line holding `marker`, from the marker on.
std::string LineFrom(const testbed::AgentProcess& process, const std::string& marker) {
  for (const std::string& line : process.StderrLines()) {
    const size_t at = line.find(marker);
    if (at != std::string::npos) return line.substr(at);
  }
  return "";
}

}  // namespace

absl::StatusOr<AgentRun> AgentRun::Start(const AgentLaunch& launch, const AgentInputs& inputs) {
  const absl::Time spawned = absl::Now();
  absl::StatusOr<testbed::AgentProcess> process = testbed::AgentProcess::Start(
      launch.binary, {"--policy", inputs.policy_path, "--inventory", inputs.inventory_path,
                      "--cgroup-root", launch.cgroup_root, "--bpffs", launch.bpffs_dir,
                      "--metrics-address=127.0.0.1:0", "--admin-socket=off"});
  if (!process.ok()) return process.status();
  const absl::Time deadline = spawned + launch.ready_timeout;

  AgentStartup startup;
  const auto not_ready = [&](absl::string_view what) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the agent (", inputs.namespaces, " namespaces) did not log \"", what, "\" within ",
        absl::FormatDuration(launch.ready_timeout), "; its log:\n", process->StderrText()));
  };
  if (!process->WaitForStderr(kPolicyApplied, deadline - absl::Now())) {
    return not_ready(kPolicyApplied);
  }
  startup.to_policy_applied = absl::Now() - spawned;
  if (!process->WaitForStderr(kReady, deadline - absl::Now())) return not_ready(kReady);
  startup.to_ready = absl::Now() - spawned;
  startup.applied_line = LineFrom(*process, kPolicyApplied);
  startup.rss_kib = ResidentKib(process->pid());
  startup.cpu_seconds = CpuSeconds(process->pid());
  return AgentRun(*std::move(process), launch.bpffs_dir, std::move(startup));
}

AgentStop AgentRun::Stop() {
  const double cpu_seconds_while_ready = CpuSeconds(process_.pid()) - startup_.cpu_seconds;
  const absl::Time start = absl::Now();
  const testbed::ExitStatus exit = process_.Terminate(testbed::AgentProcess::kStopGrace);
  AgentStop stop{.took = absl::Now() - start, .cpu_seconds_while_ready = cpu_seconds_while_ready};
  std::error_code error;
  stop.clean = exit.success() && !std::filesystem::exists(bpffs_dir_, error);
  return stop;
}

}  // namespace nsfence::bench
