// The contents of the segmentation maps, as a value: what the kernel holds
// now (read back) or what it should hold (materialised from policy).
#ifndef NSFENCE_LOADER_KERNEL_STATE_H_
#define NSFENCE_LOADER_KERNEL_STATE_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nsfence/abi.h"

namespace nsfence::loader {

// A map key or value compared and hashed by its bytes. The abi.h structs are
// always zero-initialised, padding included, so bytes are canonical.
template <typename T>
struct Bytes {
  static_assert(std::is_trivially_copyable_v<T>);
  T v{};

  Bytes() = default;
  explicit Bytes(const T& value) { std::memcpy(&v, &value, sizeof(T)); }

  friend bool operator==(const Bytes& a, const Bytes& b) {
    return std::memcmp(&a.v, &b.v, sizeof(T)) == 0;
  }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const Bytes& b) {
    return H::combine(std::move(h),
                      absl::string_view(reinterpret_cast<const char*>(&b.v), sizeof(T)));
  }
};

using AddrKey = Bytes<nsfence_addr_key>;
using PeerKey = Bytes<nsfence_peer_key>;
using RuleKey = Bytes<nsfence_rule_key>;

struct KernelState {
  absl::flat_hash_map<uint64_t, Bytes<nsfence_endpoint>> endpoints;
  absl::flat_hash_map<AddrKey, Bytes<nsfence_peer>> pod_addrs;
  absl::flat_hash_map<PeerKey, Bytes<nsfence_peer>> peers;  // prefixes
  absl::flat_hash_map<uint32_t, Bytes<nsfence_identity>> identities;
  absl::flat_hash_map<RuleKey, Bytes<nsfence_rule>> rules;        // exact and wildcard
  absl::flat_hash_map<RuleKey, Bytes<nsfence_rule>> rule_ranges;  // port ranges

  friend bool operator==(const KernelState&, const KernelState&) = default;
};

// Whether some governed namespace has a TLS floor (enforce or audit).
bool AnyTlsFloor(const KernelState& state);

class SegmentationMaps;

// Reads every entry of the segmentation maps.
absl::StatusOr<KernelState> ReadKernelState(const SegmentationMaps& maps);

class MapIo;

// Each segmentation map with the entries the agent keeps in it (for metrics
// and status): endpoints, identities, pod addresses, peers, rules, rule ranges.
void ForEachMapOccupancy(const KernelState& state, const SegmentationMaps& maps,
                         const std::function<void(const MapIo& map, size_t entries)>& fn);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_KERNEL_STATE_H_
