// Capability lists for container specs, as OCI runtime specs spell them
// ("CAP_SYS_ADMIN"), and the bounding sets processes report.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_CAPABILITY_SETS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_CAPABILITY_SETS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// What `runc spec` grants: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE.
std::vector<std::string> RuncDefaultCapabilities();

// RuncDefaultCapabilities() and `extra` ("CAP_SYS_ADMIN", ...).
std::vector<std::string> DefaultCapabilitiesPlus(const std::vector<std::string>& extra);

// Every capability this kernel knows (0 .. /proc/sys/kernel/cap_last_cap)
// that this process's own bounding set holds: a container cannot get more,
// and runc refuses to start one whose spec asks for more.
absl::StatusOr<std::vector<std::string>> AllCapabilities();

// "CAP_SYS_ADMIN" for 21; "CAP_<n>" for a number the table does not know.
std::string CapabilityName(int cap);

// The bit mask of `names` (1 << CAP_*); an error for an unknown name.
absl::StatusOr<uint64_t> CapabilityMaskOf(const std::vector<std::string>& names);

// The value of the "CapBnd:" line in /proc/<pid>/status text.
std::optional<uint64_t> BoundingSetIn(absl::string_view status_text);
// This process's bounding set.
absl::StatusOr<uint64_t> OwnBoundingSet();

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_CAPABILITY_SETS_H_
