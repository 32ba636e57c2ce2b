#include "common/capabilities.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nsfence {
namespace {

// Index = capability number (linux/capability.h).
constexpr std::array<const char*, kCapLast + 1> kNames = {
    "CHOWN",           "DAC_OVERRIDE",   "DAC_READ_SEARCH", "FOWNER",          "FSETID",
    "KILL",            "SETGID",         "SETUID",          "SETPCAP",         "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",       "NET_RAW",         "IPC_LOCK",
    "IPC_OWNER",       "SYS_MODULE",     "SYS_RAWIO",       "SYS_CHROOT",      "SYS_PTRACE",
    "SYS_PACCT",       "SYS_ADMIN",      "SYS_BOOT",        "SYS_NICE",        "SYS_RESOURCE",
    "SYS_TIME",        "SYS_TTY_CONFIG", "MKNOD",           "LEASE",           "AUDIT_WRITE",
    "AUDIT_CONTROL",   "SETFCAP",        "MAC_OVERRIDE",    "MAC_ADMIN",       "SYSLOG",
    "WAKE_ALARM",      "BLOCK_SUSPEND",  "AUDIT_READ",      "PERFMON",         "BPF",
    "CHECKPOINT_RESTORE",
};

}  // namespace

CapabilityMask RuntimeDefaultCapabilities() {
  CapabilityMask mask = 0;
  for (const char* name : {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
                           "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
                           "AUDIT_WRITE"}) {
    mask |= CapabilityBit(*ParseCapability(name));
  }
  return mask;
}

CapabilityMask AllCapabilities() { return (CapabilityBit(kCapLast) << 1) - 1; }

std::optional<int> ParseCapability(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "CAP_");
  for (int cap = 0; cap <= kCapLast; ++cap) {
    if (bare == kNames[cap]) return cap;
  }
  return std::nullopt;
}

std::string CapabilityName(int cap) {
  if (cap >= 0 && cap <= kCapLast) return kNames[cap];
  return absl::StrCat("CAP_", cap);
}

std::vector<std::string> CapabilityNames(CapabilityMask mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap) {
    if (mask & CapabilityBit(cap)) names.push_back(CapabilityName(cap));
  }
  return names;
}

CapabilityMask PrivilegedCapabilities(CapabilityMask allowed) {
  // Bits above kCapLast count too: a future kernel's capability is not in the default set.
  return (~(RuntimeDefaultCapabilities() | allowed)) | CapabilityBit(kCapSysAdmin);
}

}  // namespace nsfence
