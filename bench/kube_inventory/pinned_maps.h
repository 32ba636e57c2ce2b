// The agent's policy maps read straight from their pins under <bpffs>/maps:
// what the datapath sees at this very moment, where the agent's metrics
// follow only every --stats-seconds.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_PINNED_MAPS_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_PINNED_MAPS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace nsfence::bench {

// One pinned map, opened read-only-in-spirit (nothing here writes).
class PinnedMap {
 public:
  // <bpffs_dir>/maps/<name>.
  static absl::StatusOr<PinnedMap> Open(const std::string& bpffs_dir, const std::string& name);
  PinnedMap(PinnedMap&& other) noexcept;
  PinnedMap& operator=(PinnedMap&&) = delete;
  PinnedMap(const PinnedMap&) = delete;
  PinnedMap& operator=(const PinnedMap&) = delete;
  ~PinnedMap();

  // Entries now (walks the keys; a map changing meanwhile may be off by the
  // entries changed during the walk).
  absl::StatusOr<size_t> Count() const;
  // False when `key` has no entry; `value` is the map's value size.
  bool Lookup(const void* key, void* value) const;
  // Every key of a map with 4-byte keys.
  absl::StatusOr<std::set<uint32_t>> Keys32() const;
  uint32_t key_size() const { return key_size_; }
  uint32_t value_size() const { return value_size_; }

 private:
  PinnedMap(int fd, uint32_t key_size, uint32_t value_size, std::string name)
      : fd_(fd), key_size_(key_size), value_size_(value_size), name_(std::move(name)) {}

  int fd_ = -1;
  uint32_t key_size_ = 0;
  uint32_t value_size_ = 0;
  std::string name_;
};

// nsf_endpoints (pod cgroup id -> its namespace's identity) and
// nsf_identities (identity -> the policy of a governed namespace).
class PolicyMaps {
 public:
  static absl::StatusOr<PolicyMaps> Open(const std::string& bpffs_dir);

  // The identity nsf_endpoints gives pod cgroup `cgroup_id`; nullopt when
  // it has no entry.
  std::optional<uint32_t> EndpointIdentity(uint64_t cgroup_id) const;
  absl::StatusOr<size_t> Endpoints() const { return endpoints_.Count(); }
  absl::StatusOr<size_t> Identities() const { return identities_.Count(); }
  // The identities of governed namespaces.
  absl::StatusOr<std::set<uint32_t>> GovernedIdentities() const { return identities_.Keys32(); }

 private:
  PolicyMaps(PinnedMap endpoints, PinnedMap identities)
      : endpoints_(std::move(endpoints)), identities_(std::move(identities)) {}

  PinnedMap endpoints_;
  PinnedMap identities_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_PINNED_MAPS_H_
