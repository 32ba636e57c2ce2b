// Clean-up after testbeds whose process died without cleaning up (crash,
// SIGKILL): their network namespaces and cgroup roots. What belongs to
// processes still running is left alone.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_SWEEP_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_SWEEP_H_

#include <string>

#include "absl/status/status.h"

namespace nsfence::testbed {

// Kills the processes in, and removes, leftover cgroup roots directly below
// `cgroup_mount`, then deletes leftover network namespaces.
absl::Status SweepLeftovers(const std::string& cgroup_mount);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_SWEEP_H_
