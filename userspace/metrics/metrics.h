// The agent's Prometheus metrics: one registry, the families below, and an
// HTTP endpoint (/metrics) serving them (README.md, "Metrics").
//
// Labels are bounded: a namespace or a policy may label a series, a pod never.
// Every method is called from the agent's thread; scrapes run on the
// exposer's threads (prometheus-cpp metrics are safe for that).
#ifndef NSFENCE_METRICS_METRICS_H_
#define NSFENCE_METRICS_METRICS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nsfence/abi.h"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace nsfence::metrics {

// The stable snake_case name of a kernel counter (enum nsfence_counter), the
// `counter` label of nsfence_kernel_counter_total: NSFENCE_CNT_EGRESS_BLOCKED
// is "egress_blocked". Empty for a value outside the enum.
absl::string_view KernelCounterName(int counter);

// Where violation records were lost (nsfence_events_lost_total{stage}).
enum class LostStage {
  kKernelRingbuf,  // "kernel_ringbuf": the ring buffer was full (NSFENCE_CNT_RINGBUF_RESERVE_FAILED)
  kUndecodable,    // "undecodable": a record the agent could not decode
  kRateLimit,      // "rate_limit": suppressed by a per-namespace rate limit
};
absl::string_view LostStageName(LostStage stage);

// An address to listen on: IPv4 "HOST:PORT" (port 0: any free port). Errors
// name the flag --metrics-address.
struct ListenAddress {
  std::string host;
  int port = 0;
};
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text);

class Metrics {
 public:
  // Registers every family. Series with a fixed label set (lost stages,
  // reload results, kernel counters, build info, quarantined pods) exist at
  // 0 from the start, so rate() and absent() work before the first event.
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Serves /metrics on `address` ("127.0.0.1:9479"; port 0 picks a free one)
  // until destroyed. A bad address, or one this host cannot listen on (port
  // in use, address not local), is an error naming --metrics-address.
  absl::Status Serve(const std::string& address);
  // "HOST:PORT" actually listened on, after Serve; empty before.
  const std::string& serving() const { return serving_; }

  // `n` violations printed (1 per line; a summary line stands for more).
  // kind: network|tls|privileged|device, action: blocked|audited.
  void OnViolation(absl::string_view kind, absl::string_view action, absl::string_view ns,
                   absl::string_view policy, uint64_t n = 1);
  // Kernel timestamp to printed line.
  void ObserveLatency(absl::Duration latency);
  // Totals kept elsewhere (the reader's undecodable records, the rate
  // limiter's suppressed violations): the stage follows `total` by its
  // increase since the last call (a total below the last one seen is taken
  // as the new base: a counter never decreases). Use either this or OnLost
  // for a stage, not both.
  void SetLostTotal(LostStage stage, uint64_t total);
  void OnLost(LostStage stage, uint64_t n);
  // Absolute totals read from the kernel: nsfence_kernel_counter_total and
  // the kernel_ringbuf lost stage (SetLostTotal of
  // NSFENCE_CNT_RINGBUF_RESERVE_FAILED) follow them by increase, as above.
  void SetKernelCounters(const std::array<uint64_t, NSFENCE_CNT_MAX>& totals);
  void SetRingbuf(uint64_t used_bytes, uint64_t size_bytes);
  // One reload (or the first apply at start): its result and the generation
  // in force after it; a success also stamps the last-success time.
  void OnReload(bool ok, uint64_t generation, absl::Time when);
  // Entries in one BPF map and its max_entries (label map: the map's name).
  void SetMap(absl::string_view map, size_t entries, size_t capacity);
  // nsfence_enforcement_backend{capability,backend} = 1; a capability has one
  // backend (a second call for it replaces the first).
  void SetBackend(absl::string_view capability, absl::string_view backend);
  void SetQuarantinedPods(size_t pods);
  // A spec.response carried out, reported or failed (nsfence_responses_total):
  // response quarantine|kill-pod-processes|release, result taken|audited|failed.
  void OnResponse(absl::string_view response, absl::string_view result, absl::string_view ns);
  void OnAuditLogError();
  // Namespaces come and go (a job each): the series of one that left the
  // inventory (violations, responses) are removed once it has been gone for
  // `linger`, so that a scrape sees their last counts and the registry does
  // not grow with every namespace the node ever saw. One that comes back
  // before is kept.
  void RetainNamespaces(const absl::flat_hash_set<std::string>& live, absl::Time now,
                        absl::Duration linger = absl::Minutes(5));
  // --inventory-source kubernetes: per API cache (resource namespaces, pods,
  // isolationpolicies) whether it is synced and its failed requests so far
  // (a total: followed by increase), IsolationPolicy objects refused, and
  // pod cgroups whose Pod is not known.
  void SetKubeCache(absl::string_view resource, bool synced, uint64_t failures_total);
  void SetInvalidObjects(absl::string_view resource, size_t objects);
  void SetPendingPods(size_t pods);
  // From an inventory change reaching the agent to the kernel maps written.
  void ObserveInventoryApplyLatency(absl::Duration latency);

  // Text exposition format of everything registered (what a scrape returns).
  std::string Text() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* violations_;
  prometheus::Family<prometheus::Counter>* lost_;
  prometheus::Family<prometheus::Counter>* reloads_;
  prometheus::Family<prometheus::Counter>* responses_;
  prometheus::Counter* audit_log_errors_;
  prometheus::Family<prometheus::Counter>* kernel_counters_;
  prometheus::Family<prometheus::Gauge>* map_entries_;
  prometheus::Family<prometheus::Gauge>* map_capacity_;
  prometheus::Family<prometheus::Gauge>* backends_;
  prometheus::Gauge* ringbuf_used_;
  prometheus::Gauge* ringbuf_size_;
  prometheus::Gauge* generation_;
  prometheus::Gauge* last_reload_success_;
  prometheus::Gauge* quarantined_;
  prometheus::Histogram* latency_;
  prometheus::Histogram* apply_latency_;
  prometheus::Family<prometheus::Gauge>* kube_synced_;
  prometheus::Family<prometheus::Counter>* kube_failures_;
  prometheus::Family<prometheus::Gauge>* invalid_objects_;
  prometheus::Gauge* pending_pods_;
  absl::flat_hash_map<std::string, uint64_t> last_kube_failures_;
  std::array<prometheus::Counter*, 3> lost_by_stage_{};
  std::array<prometheus::Counter*, NSFENCE_CNT_MAX> kernel_by_counter_{};
  std::array<uint64_t, NSFENCE_CNT_MAX> last_kernel_{};
  std::array<uint64_t, 3> last_lost_{};
  absl::flat_hash_map<std::string, prometheus::Gauge*> backend_by_capability_;
  // The series OnViolation counted last (series are never removed).
  struct ViolationSeries {
    std::string kind, action, ns, policy;
    prometheus::Counter* counter = nullptr;
  };
  ViolationSeries last_violation_;
  // Series labelled with each namespace, and since when it is gone.
  struct NamespaceSeries {
    absl::flat_hash_set<prometheus::Counter*> violations;
    absl::flat_hash_set<prometheus::Counter*> responses;
    absl::Time gone_since = absl::InfiniteFuture();
  };
  absl::flat_hash_map<std::string, NamespaceSeries> by_namespace_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  ListenAddress bound_;
  std::string serving_;
};

}  // namespace nsfence::metrics

#endif  // NSFENCE_METRICS_METRICS_H_
