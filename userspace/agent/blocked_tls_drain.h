// Ends the TLS connections the datapath blocked: drains nsf_tls_blocked,
// finds each pod's network namespace and destroys the sockets there.
#ifndef NSFENCE_AGENT_BLOCKED_TLS_DRAIN_H_
#define NSFENCE_AGENT_BLOCKED_TLS_DRAIN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/map_io.h"
#include "loader/socket_destroyer.h"

namespace nsfence::agent {

// Pod cgroup id -> absolute pod cgroup directory, from the apply's cgroup ids
// (inventory cgroup path -> id); relative paths are below `cgroup_mount`.
absl::flat_hash_map<uint64_t, std::string> PodCgroupDirs(
    const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids, const std::string& cgroup_mount);

// Ends connections of one pod, all in its cgroup directory: one status each.
using EndConnections = std::function<std::vector<absl::Status>(
    const std::string& pod_cgroup_dir, const std::vector<loader::BlockedSocket>& sockets)>;

// The real EndConnections: the pod's network namespace (OpenPodNetns), then
// SOCK_DESTROY there (DestroySockets).
std::vector<absl::Status> EndInPodNetns(const std::string& pod_cgroup_dir,
                                        const std::vector<loader::BlockedSocket>& sockets);

// Empties nsf_tls_blocked: the TLS programs record there each connection they
// blocked (and keep dropping its packets); the agent ends it and removes the
// entry. An entry that cannot be ended (pod unknown, no namespace, a kernel
// refusal) is retried on later passes and, after `max_attempts`, removed with
// one warning, so nothing piles up unseen.
class BlockedTlsDrain {
 public:
  struct Result {
    size_t ended = 0;      // ended (or already gone) and removed
    size_t abandoned = 0;  // removed after max_attempts failures
    size_t pending = 0;    // failed, retried next pass
  };

  BlockedTlsDrain(loader::MapIo* tls_blocked, EndConnections end, int max_attempts = 3);

  // One pass over the map; `pod_dirs` as from PodCgroupDirs.
  absl::StatusOr<Result> Drain(const absl::flat_hash_map<uint64_t, std::string>& pod_dirs);

 private:
  loader::MapIo* map_;
  EndConnections end_;
  int max_attempts_;
  absl::flat_hash_map<uint64_t, int> failures_;  // socket cookie -> failed passes
};

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_BLOCKED_TLS_DRAIN_H_
