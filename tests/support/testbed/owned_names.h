// Names of the network namespaces and cgroups a testbed creates. They carry
// the creating process's pid, so a later run can tell leftovers of a crashed
// run (pid dead) from those of a run still going on.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_OWNED_NAMES_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_OWNED_NAMES_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// Longest Linux interface name (IFNAMSIZ - 1).
inline constexpr size_t kMaxInterfaceNameLength = 15;

// "nsft<pid in hex>": starts every netns and interface name. At most 10
// characters, leaving 5 of an interface name to tell interfaces apart.
std::string NetnsPrefix(pid_t pid);

// "nsfence-test-<pid>-<serial>": the directory below the cgroup v2 mount
// holding one testbed's cgroups.
std::string CgroupRootName(pid_t pid, int serial);

// The pid in a testbed's netns name, "nsft<pid hex>-<serial>-<what>";
// nullopt for any other name.
std::optional<pid_t> NetnsOwner(absl::string_view netns_name);
// The pid in a testbed's cgroup root name, exactly as CgroupRootName makes
// it; nullopt for any other name (e.g. other tests' "nsfence-test-<pid>-x").
std::optional<pid_t> CgroupRootOwner(absl::string_view directory_name);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_OWNED_NAMES_H_
