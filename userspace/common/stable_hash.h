// A hash that is the same in every process and build (absl::Hash is seeded
// per process), for ids that must survive an agent restart.
#ifndef NSFENCE_COMMON_STABLE_HASH_H_
#define NSFENCE_COMMON_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace nsfence {

// 64-bit FNV-1a.
constexpr uint64_t StableHash(absl::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace nsfence

#endif  // NSFENCE_COMMON_STABLE_HASH_H_
