// The cgroup v1 hierarchies of a hybrid host. runc (cgroupfs driver) puts a
// container into linux.cgroupsPath of every v1 hierarchy as well as the
// unified one, and on delete removes only the last directory: the parents
// it made there are the harness's to remove.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_LEGACY_CGROUPS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_LEGACY_CGROUPS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// Mount points of type "cgroup" (v1) in /proc/mounts; empty on a pure
// cgroup v2 host.
std::vector<std::string> LegacyCgroupMounts();

// In every v1 hierarchy, removes the directory at `cgroups_path` (relative
// to the mounts, starting with '/') and then its parents, up to and
// including the first component, stopping at the first that is not empty.
void RemoveLegacyCgroupPath(absl::string_view cgroups_path);

// Removes what crashed test processes left in the v1 hierarchies: testbed
// cgroup roots ("nsfence-test-<pid>-<serial>", testbed/owned_names.h)
// whose pid is dead, each emptied directory deepest first.
void SweepLegacyCgroupLeftovers();

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_LEGACY_CGROUPS_H_
