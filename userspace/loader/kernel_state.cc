#include "loader/kernel_state.h"

#include "common/status_macros.h"
#include "loader/segmentation_maps.h"

namespace nsfence::loader {
namespace {

template <typename K, typename V, typename Map>
absl::Status ReadInto(MapIo* io, Map* out) {
  return TypedMap<K, V>(io).ForEach(
      [&](const K& key, const V& value) { (*out)[typename Map::key_type(key)] = Bytes<V>(value); });
}

}  // namespace

absl::StatusOr<KernelState> ReadKernelState(const SegmentationMaps& maps) {
  KernelState state;
  NSF_RETURN_IF_ERROR((ReadInto<uint64_t, nsfence_endpoint>(maps.endpoints, &state.endpoints)));
  NSF_RETURN_IF_ERROR((ReadInto<nsfence_addr_key, nsfence_peer>(maps.pod_addrs, &state.pod_addrs)));
  NSF_RETURN_IF_ERROR((ReadInto<nsfence_peer_key, nsfence_peer>(maps.peers, &state.peers)));
  NSF_RETURN_IF_ERROR(
      (ReadInto<uint32_t, nsfence_identity>(maps.identities, &state.identities)));
  NSF_RETURN_IF_ERROR((ReadInto<nsfence_rule_key, nsfence_rule>(maps.rules, &state.rules)));
  NSF_RETURN_IF_ERROR(
      (ReadInto<nsfence_rule_key, nsfence_rule>(maps.rule_ranges, &state.rule_ranges)));
  return state;
}

bool AnyTlsFloor(const KernelState& state) {
  for (const auto& [id, identity] : state.identities) {
    const nsfence_tls_floors& f = identity.v.tls;
    if (f.egress_enforce || f.egress_audit || f.ingress_enforce || f.ingress_audit) return true;
  }
  return false;
}

void ForEachMapOccupancy(const KernelState& state, const SegmentationMaps& maps,
                         const std::function<void(const MapIo& map, size_t entries)>& fn) {
  const auto visit = [&](const MapIo* map, size_t entries) {
    if (map != nullptr) fn(*map, entries);
  };
  visit(maps.endpoints, state.endpoints.size());
  visit(maps.identities, state.identities.size());
  visit(maps.pod_addrs, state.pod_addrs.size());
  visit(maps.peers, state.peers.size());
  visit(maps.rules, state.rules.size());
  visit(maps.rule_ranges, state.rule_ranges.size());
}

}  // namespace nsfence::loader
