#include "support/testbed/capability_sets.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nsfence::testbed {
namespace {

// linux/capability.h, by number. Kept here rather than taken from the agent,
// so the harness does not share the code it tests.
constexpr const char* kNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kKnown = static_cast<int>(std::size(kNames));

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<std::string> RuncDefaultCapabilities() {
  return {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
}

std::vector<std::string> DefaultCapabilitiesPlus(const std::vector<std::string>& extra) {
  std::vector<std::string> caps = RuncDefaultCapabilities();
  caps.insert(caps.end(), extra.begin(), extra.end());
  return caps;
}

absl::StatusOr<std::vector<std::string>> AllCapabilities() {
  absl::StatusOr<std::string> last_text = ReadWholeFile("/proc/sys/kernel/cap_last_cap");
  if (!last_text.ok()) return last_text.status();
  int last = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*last_text), &last) || last < 0) {
    return absl::InternalError(absl::StrCat("bad cap_last_cap: ", *last_text));
  }
  absl::StatusOr<uint64_t> own = OwnBoundingSet();
  if (!own.ok()) return own.status();
  std::vector<std::string> caps;
  // Numbers past the table would be unknown to the runtime as well.
  for (int cap = 0; cap <= last && cap < kKnown && cap < 64; ++cap) {
    if ((*own & (uint64_t{1} << cap)) != 0) caps.push_back(kNames[cap]);
  }
  return caps;
}

std::string CapabilityName(int cap) {
  if (cap >= 0 && cap < kKnown) return kNames[cap];
  return absl::StrCat("CAP_", cap);
}

absl::StatusOr<uint64_t> CapabilityMaskOf(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const std::string& name : names) {
    int found = -1;
    for (int cap = 0; cap < kKnown; ++cap) {
      if (name == kNames[cap]) found = cap;
    }
    if (found < 0) return absl::InvalidArgumentError(absl::StrCat("unknown capability ", name));
    mask |= uint64_t{1} << found;
  }
  return mask;
}

std::optional<uint64_t> BoundingSetIn(absl::string_view status_text) {
  for (absl::string_view line : absl::StrSplit(status_text, '\n')) {
    if (!absl::ConsumePrefix(&line, "CapBnd:")) continue;
    uint64_t mask = 0;
    if (absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &mask)) return mask;
    return std::nullopt;
  }
  return std::nullopt;
}

absl::StatusOr<uint64_t> OwnBoundingSet() {
  absl::StatusOr<std::string> status = ReadWholeFile("/proc/self/status");
  if (!status.ok()) return status.status();
  std::optional<uint64_t> mask = BoundingSetIn(*status);
  if (!mask.has_value()) return absl::InternalError("no CapBnd line in /proc/self/status");
  return *mask;
}

}  // namespace nsfence::testbed
