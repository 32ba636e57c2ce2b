// nsfence-agent: keeps the kernel enforcing the policies in force over the
// current inventory, and turns kernel violation records into JSON lines.
//
//   policy files -> PolicyStore ------+
//                                      +-> Enforcer -> pinned BPF maps
//   inventory -> InventorySource -----+   (file, or kube::KubeInventorySource:
//                                          API list+watch and kubelet cgroups,
//                                          which also brings IsolationPolicy objects)
//   ring buffer -> RingbufReader -> Enrich -> JSON line on stdout
//                                              (and --audit-log -> AuditLog)
//                                     \-> Responder -> quarantine (Enforcer), cgroup.kill
//   nsf_tls_blocked -> BlockedTlsDrain -> SOCK_DESTROY in the pod's netns
//   all of the above -> Metrics -> http://--metrics-address/metrics
//                     -> Status -> AdminSocket (--admin-socket) -> nsfencectl status, release
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
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/admin_socket.h"
#include "agent/blocked_tls_drain.h"
#include "agent/directory.h"
#include "agent/options.h"
#include "agent/responder.h"
#include "agent/status.pb.h"
#include "common/file_watcher.h"
#include "events/audit_log.h"
#include "events/enrich.h"
#include "events/pipeline.h"
#include "events/ringbuf_reader.h"
#include "inventory/source.h"
#include "kube/inventory_source.h"
#include "loader/container_guard.h"
#include "loader/enforcer.h"
#include "loader/map_io.h"
#include "loader/network_datapath.h"
#include "metrics/metrics.h"
#include "metrics/ringbuf_usage.h"
#include "policy/store.h"

namespace nsfence::agent {

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
  // Removes what a start that failed half-way attached and pinned.
  void UndoFailedStart();
  // Loads the exec and device guards; logs the exec backend chosen.
  absl::Status LoadContainerGuard(int cgroup_root_level);
  absl::Status WatchInputs();
  // The inventory source --inventory-source names, waited for until it has a
  // complete view. Needs cgroup_root_.
  absl::Status OpenInventorySource();
  // Policy files and the source's policies (IsolationPolicy objects) merged,
  // files winning a name both define (the source refuses those objects).
  void MergePolicies();
  // Tells the Kubernetes source the names policy files define (files win).
  void ReserveFilePolicyNames();
  // Logs the source's new problems; the kube gauges.
  void ReportSourceState();
  void OnRecord(const events::Record& record);
  // Prints the pipeline's lines and re-arms its timer for the next window end.
  void Emit(const std::vector<events::Event>& lines);
  // fflush of stdout and the audit log's sync, once per loop turn.
  void FlushOutput();
  // Counts an audit log write error; logs it, at most once a minute.
  void AuditLogFailed(const absl::Status& error);
  void CheckCounters();
  // Ring buffer and map occupancy gauges.
  void SampleMetrics();
  // One BlockedTlsDrain pass; logs what it ended and any failure.
  void EndBlockedTlsConnections();
  // Enforces again once a pod cgroup that did not exist at the last apply does.
  void RetryUnresolvedPods();
  // What the admin socket answers to "status".
  Status CurrentStatus();
  // "release NAMESPACE/POD" on the admin socket.
  absl::Status ReleasePod(absl::string_view pod);

  AgentOptions options_;
  std::string cgroup_mount_;
  std::string cgroup_root_;
  policy::PolicyStore policies_;
  // Of policies_ and the inventory source: what is enforced.
  std::vector<policy::Policy> policies_in_force_;
  std::unique_ptr<inventory::InventorySource> inventory_source_;
  kube::KubeInventorySource* kube_source_ = nullptr;  // inventory_source_ when it is one
  size_t unknown_pods_logged_ = 0;
  absl::Time unknown_pods_logged_at_ = absl::InfinitePast();
  inventory::Inventory inventory_;
  std::optional<FileWatcher> watcher_;
  std::unique_ptr<loader::NetworkDatapath> datapath_;
  std::unique_ptr<loader::ContainerGuard> guard_;
  std::unique_ptr<loader::Enforcer> enforcer_;
  std::unique_ptr<InventoryDirectory> directory_;
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<events::RingbufReader> reader_;
  events::BootClock clock_;
  uint64_t generation_ = 0;
  uint64_t events_printed_ = 0;    // lines on stdout
  uint64_t responses_printed_ = 0;  // of them, kind "response"
  loader::KernelCounters last_counters_{};
  uint64_t last_undecodable_ = 0;
  std::vector<std::string> unresolved_cgroups_;
  std::unique_ptr<BlockedTlsDrain> tls_drain_;
  absl::flat_hash_map<uint64_t, std::string> pod_dirs_;  // of the last apply
  bool tls_blocked_reported_ = false;  // since the last drain
  // Aggregation and per-namespace rate limits between records and stdout.
  events::EventPipeline pipeline_;
  int pipeline_timer_fd_ = -1;
  absl::Time pipeline_armed_for_ = absl::InfinitePast();  // deadline the timer is armed for
  bool output_pending_ = false;  // lines written since the last FlushOutput
  uint64_t stdout_failures_ = 0;
  uint64_t stdout_failures_logged_ = 0;
  absl::Time stdout_failure_logged_at_ = absl::InfinitePast();
  // --audit-log: the printed lines, also in a file. Null: off.
  std::unique_ptr<events::AuditLog> audit_log_;
  uint64_t audit_log_errors_ = 0;
  uint64_t audit_log_errors_unreported_ = 0;  // since the last ERROR logged
  absl::Time audit_log_error_logged_ = absl::InfinitePast();
  metrics::Metrics metrics_;
  std::unique_ptr<metrics::RingbufUsage> ringbuf_usage_;  // null: used bytes unknown (0)
  // --admin-socket; null: off.
  std::unique_ptr<AdminSocket> admin_;
  absl::Time started_ = absl::Now();
  uint64_t governed_namespaces_ = 0;  // of the last apply
  absl::flat_hash_set<std::string> live_namespaces_;  // of the last apply: metrics keep their series
  std::vector<std::pair<std::string, uint32_t>> program_sizes_;  // verified instructions
};

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_AGENT_H_
