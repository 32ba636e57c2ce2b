#include "support/testbed/exec.h"

namespace nsfence::testbed {

absl::StatusOr<CommandResult> RunInPod(const Pod& pod, const std::vector<std::string>& argv,
                                       absl::Duration timeout) {
  return RunCommand(pod.CommandLine(argv), {.timeout = timeout});
}

absl::StatusOr<CommandResult> RunOnWorldHost(const WorldHost& host,
                                             const std::vector<std::string>& argv,
                                             absl::Duration timeout) {
  return RunCommand(host.CommandLine(argv), {.timeout = timeout});
}

absl::StatusOr<BackgroundProcess> StartInPod(const Pod& pod, const std::vector<std::string>& argv) {
  return BackgroundProcess::Start(pod.CommandLine(argv));
}

absl::StatusOr<BackgroundProcess> StartOnWorldHost(const WorldHost& host,
                                                   const std::vector<std::string>& argv) {
  return BackgroundProcess::Start(host.CommandLine(argv));
}

}  // namespace nsfence::testbed
