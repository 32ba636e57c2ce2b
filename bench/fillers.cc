#include "fillers.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nsfence::bench {
namespace {

// 10.96.0.0/12 holds 2^20 addresses; filler n (from 1) takes the n-th.
IpAddress FillerIpv4(uint32_t n) {
  const uint32_t address = (10u << 24) | (96u << 16) | n;
  const uint8_t bytes[4] = {static_cast<uint8_t>(address >> 24),
                            static_cast<uint8_t>(address >> 16), static_cast<uint8_t>(address >> 8),
                            static_cast<uint8_t>(address)};
  return IpAddress(IpFamily::kV4, bytes);
}

// fd96::<n>.
IpAddress FillerIpv6(uint32_t n) {
  uint8_t bytes[16] = {0xfd, 0x96};
  for (int i = 0; i < 4; ++i) bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return IpAddress(IpFamily::kV6, bytes);
}

}  // namespace

std::vector<Filler> MakeFillers(int count) {
  std::vector<Filler> fillers;
  fillers.reserve(count);
  for (uint32_t n = 1; n <= static_cast<uint32_t>(count); ++n) {
    fillers.push_back({
        .namespace_name = absl::StrCat("filler-", n),
        .labels = {{kRoleLabel, kFillerRole}},
        .pod_name = "pod",
        // A version 4 UUID shape; fixed, so equal runs write equal files.
        .pod_uid = absl::StrFormat("00000000-0000-4000-8000-%012x", n),
        .ipv4 = FillerIpv4(n),
        .ipv6 = FillerIpv6(n),
    });
  }
  return fillers;
}

}  // namespace nsfence::bench
