// nsfence-agent: keeps the kernel enforcing the policies in force over the
// current inventory, and turns kernel violation records into JSON lines.
//
//   policy files -> PolicyStore ------+
//                                      +-> Enforcer -> pinned BPF maps
//   inventory -> InventorySource -----+
//   ring buffer -> RingbufReader -> Enrich -> JSON line on stdout
//   nsf_tls_blocked -> BlockedTlsDrain -> SOCK_DESTROY in the pod's netns
#ifndef NSFENCE_AGENT_AGENT_H_
#define NSFENCE_AGENT_AGENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/directory.h"
#include "agent/options.h"
#include "common/file_watcher.h"
#include "events/enrich.h"
#include "events/ringbuf_reader.h"
#include "inventory/source.h"
#include "loader/enforcer.h"
#include "loader/map_io.h"
#include "loader/network_datapath.h"
#include "loader/socket_destroyer.h"
#include "policy/store.h"

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

class Agent {
 public:
  explicit Agent(AgentOptions options);
  ~Agent();

  // Runs until SIGTERM or SIGINT; the process exit code.
  int Run();

 private:
  absl::Status Start();
  absl::Status Loop();
  absl::Status Stop();

  // Re-reads policy and inventory; applies them when they changed and are
  // valid, else keeps what is in force and says so.
  void Reload(const std::string& why);
  absl::Status EnforceNow();
  absl::Status WatchInputs();
  void OnRecord(const events::Record& record);
  void CheckCounters();
  // One BlockedTlsDrain pass; logs what it ended and any failure.
  void EndBlockedTlsConnections();
  // Enforces again once a pod cgroup that did not exist at the last apply does.
  void RetryUnresolvedPods();

  AgentOptions options_;
  std::string cgroup_mount_;
  std::string cgroup_root_;
  policy::PolicyStore policies_;
  std::unique_ptr<inventory::InventorySource> inventory_source_;
  inventory::Inventory inventory_;
  std::optional<FileWatcher> watcher_;
  std::unique_ptr<loader::NetworkDatapath> datapath_;
  std::unique_ptr<loader::Enforcer> enforcer_;
  std::unique_ptr<InventoryDirectory> directory_;
  std::unique_ptr<events::RingbufReader> reader_;
  events::BootClock clock_;
  uint64_t generation_ = 0;
  uint64_t events_printed_ = 0;
  loader::KernelCounters last_counters_{};
  uint64_t last_undecodable_ = 0;
  std::vector<std::string> unresolved_cgroups_;
  std::unique_ptr<BlockedTlsDrain> tls_drain_;
  absl::flat_hash_map<uint64_t, std::string> pod_dirs_;  // of the last apply
  bool tls_blocked_reported_ = false;  // since the last drain
};

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_AGENT_H_
