// Linux capabilities by name, and the one definition of a "privileged"
// process that policies, the datapath and events share (docs/policy.md,
// "Containers").
#ifndef NSFENCE_COMMON_CAPABILITIES_H_
#define NSFENCE_COMMON_CAPABILITIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace nsfence {

// Bit 1 << CAP_* of the kernel, as in a bounding set (/proc/PID/status CapBnd).
using CapabilityMask = uint64_t;

inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapLast = 40;  // CAP_CHECKPOINT_RESTORE, Linux 5.9

constexpr CapabilityMask CapabilityBit(int cap) { return CapabilityMask{1} << cap; }

// The set a container runtime grants by default (containerd's CRI default,
// also Docker's): CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID
// SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
CapabilityMask RuntimeDefaultCapabilities();

// Every capability this table knows (0..kCapLast).
CapabilityMask AllCapabilities();

// "NET_BIND_SERVICE" or "CAP_NET_BIND_SERVICE" (any case) -> 10.
std::optional<int> ParseCapability(absl::string_view name);
// 10 -> "NET_BIND_SERVICE"; an unknown number -> "CAP_<n>".
std::string CapabilityName(int cap);
// Names of the bits of `mask`, lowest first.
std::vector<std::string> CapabilityNames(CapabilityMask mask);

// A process is privileged when its bounding set holds a capability outside
// the runtime default set plus `allowed` (CAP_SYS_ADMIN always counts), or
// when it shares a host namespace that the policy denies (judged apart, see
// nsfence_exec_policy). These are the bounding-set bits that make it so.
CapabilityMask PrivilegedCapabilities(CapabilityMask allowed);

}  // namespace nsfence

#endif  // NSFENCE_COMMON_CAPABILITIES_H_
