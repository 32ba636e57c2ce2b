// Numeric ids for identities, rulesets, prefixes and policies, kept in a
// pinned map so that a restarted agent computes the same map contents as the
// one before it (no rewrite, no gap) and can still name the ids in events the
// kernel queued while no agent ran.
#ifndef NSFENCE_LOADER_REGISTRY_H_
#define NSFENCE_LOADER_REGISTRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "loader/map_io.h"
#include "nsfence/abi.h"

namespace nsfence::loader {

class Registry {
 public:
  // `map` holds nsfence_registry_key -> nsfence_registry_value; not owned.
  explicit Registry(MapIo* map) : map_(map) {}

  // Reads the ids already assigned; new ids continue above the largest.
  absl::Status Load();

  // Starts a round of Assign calls; ids not assigned in a round are released
  // by Release().
  void BeginRound() { ++round_; }

  // The id of the object with this content; the same kind and content hash
  // always get the same id while the registry holds it. `name` (truncated to
  // fit) names the id in events when the agent no longer knows the object.
  uint32_t Assign(nsfence_registry_kind kind, uint64_t content_hash, absl::string_view name);

  // Writes ids assigned since the last Persist. Call before the kernel maps
  // refer to them.
  absl::Status Persist();

  // Forgets ids not assigned in the current round once they have been unused
  // for `grace` (events naming them may still be queued). Call after the
  // kernel maps stopped referring to them.
  absl::Status Release(absl::Time now, absl::Duration grace);

  std::optional<std::string> Name(nsfence_registry_kind kind, uint32_t id) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t content_hash = 0;
    std::string name;
    uint64_t round = 0;          // last round that assigned it
    bool persisted = false;
    std::optional<absl::Time> unused_since;
  };
  using Key = std::pair<uint32_t, uint32_t>;  // kind, id

  MapIo* map_;
  uint64_t round_ = 0;
  uint32_t next_id_ = NSFENCE_FIRST_DYNAMIC_ID;
  absl::flat_hash_map<Key, Entry> entries_;
  absl::flat_hash_map<std::pair<uint32_t, uint64_t>, uint32_t> by_content_;  // kind, hash -> id
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_REGISTRY_H_
