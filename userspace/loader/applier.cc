#include "loader/applier.h"

#include <vector>

#include "common/status_macros.h"

namespace nsfence::loader {
namespace {

const void* Raw(const uint64_t& key) { return &key; }
const void* Raw(const uint32_t& key) { return &key; }
template <typename T>
const void* Raw(const Bytes<T>& b) {
  return &b.v;
}

// Writes entries of `desired` that `current` lacks or holds differently.
template <typename Map>
absl::Status WriteChanged(const Map& desired, MapIo* io, Map* current, ApplyStats* stats) {
  for (const auto& [key, value] : desired) {
    const auto it = current->find(key);
    if (it != current->end() && it->second == value) continue;
    NSF_RETURN_IF_ERROR(io->Update(Raw(key), Raw(value)));
    (*current)[key] = value;
    ++stats->writes;
  }
  return absl::OkStatus();
}

// Deletes entries of `current` that `desired` does not have.
template <typename Map>
absl::Status RemoveStale(const Map& desired, MapIo* io, Map* current, ApplyStats* stats) {
  std::vector<typename Map::key_type> stale;
  for (const auto& [key, value] : *current) {
    if (!desired.contains(key)) stale.push_back(key);
  }
  for (const auto& key : stale) {
    absl::Status s = io->Delete(Raw(key));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    current->erase(key);
    ++stats->deletes;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Apply(const KernelState& desired, const SegmentationMaps& maps, KernelState* current,
                   ApplyStats* stats) {
  NSF_RETURN_IF_ERROR(WriteChanged(desired.rules, maps.rules, &current->rules, stats));
  NSF_RETURN_IF_ERROR(
      WriteChanged(desired.rule_ranges, maps.rule_ranges, &current->rule_ranges, stats));
  NSF_RETURN_IF_ERROR(WriteChanged(desired.peers, maps.peers, &current->peers, stats));
  NSF_RETURN_IF_ERROR(
      WriteChanged(desired.identities, maps.identities, &current->identities, stats));
  NSF_RETURN_IF_ERROR(
      WriteChanged(desired.pod_addrs, maps.pod_addrs, &current->pod_addrs, stats));
  NSF_RETURN_IF_ERROR(
      WriteChanged(desired.endpoints, maps.endpoints, &current->endpoints, stats));
  NSF_RETURN_IF_ERROR(RemoveStale(desired.endpoints, maps.endpoints, &current->endpoints, stats));
  NSF_RETURN_IF_ERROR(RemoveStale(desired.pod_addrs, maps.pod_addrs, &current->pod_addrs, stats));
  NSF_RETURN_IF_ERROR(RemoveStale(desired.peers, maps.peers, &current->peers, stats));
  NSF_RETURN_IF_ERROR(
      RemoveStale(desired.identities, maps.identities, &current->identities, stats));
  NSF_RETURN_IF_ERROR(RemoveStale(desired.rules, maps.rules, &current->rules, stats));
  NSF_RETURN_IF_ERROR(
      RemoveStale(desired.rule_ranges, maps.rule_ranges, &current->rule_ranges, stats));
  return absl::OkStatus();
}

}  // namespace nsfence::loader
