// Clean-up after test processes that died (crash, SIGKILL) while they had
// containers: runc state and bundles, busybox rootfs copies, loop devices
// and the directories runc made in the cgroup v1 hierarchies. What belongs
// to processes still running is left alone.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_SWEEP_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_SWEEP_H_

#include <sys/types.h>

#include <optional>

#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// Scratch directories below the temporary directory are named
// "<prefix><pid>-XXXXXX" after the process that made them.
inline constexpr char kRuntimeScratchPrefix[] = "nsfence-containers-";
inline constexpr char kRootfsScratchPrefix[] = "nsfence-rootfs-";

// The pid in "<prefix><pid>-<anything>"; nullopt for any other name.
std::optional<pid_t> ScratchOwner(absl::string_view name, absl::string_view prefix);

void SweepContainerLeftovers();

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_SWEEP_H_
