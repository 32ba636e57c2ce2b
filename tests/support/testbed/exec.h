// Running programs inside a pod or on a world host (through nsfence-podexec:
// in its cgroup and network namespace).
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_EXEC_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_EXEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/testbed/background_process.h"
#include "support/testbed/command.h"
#include "support/testbed/pod.h"
#include "support/testbed/world_host.h"

namespace nsfence::testbed {

// Runs to completion; see RunCommand.
absl::StatusOr<CommandResult> RunInPod(const Pod& pod, const std::vector<std::string>& argv,
                                       absl::Duration timeout = absl::Seconds(10));
absl::StatusOr<CommandResult> RunOnWorldHost(const WorldHost& host,
                                             const std::vector<std::string>& argv,
                                             absl::Duration timeout = absl::Seconds(10));

// Runs in the background; killed when the result is destroyed. Returns
// once started: the process enters the cgroup and netns right after, so
// wait for its output (e.g. "listening") before relying on where it is.
absl::StatusOr<BackgroundProcess> StartInPod(const Pod& pod, const std::vector<std::string>& argv);
absl::StatusOr<BackgroundProcess> StartOnWorldHost(const WorldHost& host,
                                                   const std::vector<std::string>& argv);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_EXEC_H_
