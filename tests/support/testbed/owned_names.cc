#include "support/testbed/owned_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nsfence::testbed {
namespace {

constexpr absl::string_view kNetnsPrefix = "nsft";
constexpr absl::string_view kCgroupRootPrefix = "nsfence-test-";

bool AllDigits(absl::string_view text, int base) {
  for (char c : text) {
    if (base == 16 ? !absl::ascii_isxdigit(c) : !absl::ascii_isdigit(c)) return false;
  }
  return !text.empty();
}

// The pid in "<prefix><pid>-<serial>", followed by "-<anything>" when
// `suffix_allowed`. Names of any other form are someone else's: nullopt.
std::optional<pid_t> OwnerOf(absl::string_view name, absl::string_view prefix, int pid_base,
                             bool suffix_allowed) {
  if (!absl::ConsumePrefix(&name, prefix)) return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('-', 2));
  if (parts.size() < 2 || (parts.size() > 2 && !suffix_allowed) || !AllDigits(parts[0], pid_base) ||
      !AllDigits(parts[1], 10)) {
    return std::nullopt;
  }
  int32_t pid = 0;
  const bool parsed =
      pid_base == 16 ? absl::SimpleHexAtoi(parts[0], &pid) : absl::SimpleAtoi(parts[0], &pid);
  if (!parsed || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

std::string NetnsPrefix(pid_t pid) { return absl::StrCat(kNetnsPrefix, absl::Hex(pid)); }

std::string CgroupRootName(pid_t pid, int serial) {
  return absl::StrCat(kCgroupRootPrefix, pid, "-", serial);
}

std::optional<pid_t> NetnsOwner(absl::string_view netns_name) {
  return OwnerOf(netns_name, kNetnsPrefix, 16, /*suffix_allowed=*/true);
}

std::optional<pid_t> CgroupRootOwner(absl::string_view directory_name) {
  return OwnerOf(directory_name, kCgroupRootPrefix, 10, /*suffix_allowed=*/false);
}

}  // namespace nsfence::testbed
