#include "metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <exception>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

#ifndef NSFENCE_VERSION
#define NSFENCE_VERSION "dev"
#endif

namespace nsfence::metrics {
namespace {

constexpr char kFlag[] = "--metrics-address";

constexpr LostStage kStages[] = {LostStage::kKernelRingbuf, LostStage::kUndecodable, LostStage::kRateLimit};

// Seconds, from 100 µs to 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Why this host cannot listen on `address`, from a bind of our own (the
// exposer only says that it could not).
std::string WhyNotListening(const ListenAddress& address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as the exposer does
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(address.port));
  inet_pton(AF_INET, address.host.c_str(), &sin.sin_addr);
  std::string why;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin)) != 0) {
    why = errno == EADDRINUSE ? "the port is in use (another agent, or another exporter, listens there)"
          : errno == EADDRNOTAVAIL ? "the address is not one of this host's"
                                   : std::strerror(errno);
  } else if (listen(fd, 1) != 0) {
    why = std::strerror(errno);
  }
  close(fd);
  return why;
}

// What a counter following absolute totals adds: never a decrease.
uint64_t Increase(uint64_t last, uint64_t now) { return now >= last ? now - last : 0; }

// Connects to `address` and hangs up at once (0.0.0.0 is reached on loopback).
void Poke(const ListenAddress& address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(address.port));
  inet_pton(AF_INET, address.host == "0.0.0.0" ? "127.0.0.1" : address.host.c_str(), &sin.sin_addr);
  (void)connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin));
  close(fd);
}

}  // namespace

absl::string_view KernelCounterName(int counter) {
  // A counter added to abi.h needs its name here (and a line in README.md).
  static_assert(NSFENCE_CNT_MAX == 19, "name every enum nsfence_counter value below");
  switch (static_cast<nsfence_counter>(counter)) {
    case NSFENCE_CNT_RINGBUF_RESERVE_FAILED: return "ringbuf_reserve_failed";
    case NSFENCE_CNT_EVENTS_SUBMITTED: return "events_submitted";
    case NSFENCE_CNT_REPEATS_FOLDED: return "repeats_folded";
    case NSFENCE_CNT_EGRESS_BLOCKED: return "egress_blocked";
    case NSFENCE_CNT_EGRESS_AUDITED: return "egress_audited";
    case NSFENCE_CNT_INGRESS_BLOCKED: return "ingress_blocked";
    case NSFENCE_CNT_INGRESS_AUDITED: return "ingress_audited";
    case NSFENCE_CNT_PACKET_UNPARSED: return "packet_unparsed";
    case NSFENCE_CNT_TLS_HELLOS: return "tls_hellos";
    case NSFENCE_CNT_TLS_BLOCKED: return "tls_blocked";
    case NSFENCE_CNT_TLS_AUDITED: return "tls_audited";
    case NSFENCE_CNT_TLS_UNPARSED: return "tls_unparsed";
    case NSFENCE_CNT_TLS_REORDERED: return "tls_reordered";
    case NSFENCE_CNT_EXEC_BLOCKED: return "exec_blocked";
    case NSFENCE_CNT_EXEC_AUDITED: return "exec_audited";
    case NSFENCE_CNT_EXEC_SIGNAL_FAILED: return "exec_signal_failed";
    case NSFENCE_CNT_DEVICE_BLOCKED: return "device_blocked";
    case NSFENCE_CNT_DEVICE_AUDITED: return "device_audited";
    case NSFENCE_CNT_QUARANTINE_DROPPED: return "quarantine_dropped";
    case NSFENCE_CNT_MAX: break;
  }
  return "";
}

absl::string_view LostStageName(LostStage stage) {
  switch (stage) {
    case LostStage::kKernelRingbuf: return "kernel_ringbuf";
    case LostStage::kUndecodable: return "undecodable";
    case LostStage::kRateLimit: return "rate_limit";
  }
  return "";
}

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(kFlag, " expects IPV4-ADDRESS:PORT (e.g. 127.0.0.1:9479) or off, got \"",
                                                   text, "\": ", why));
  };
  if (!text.empty() && text.front() == '[') return bad("IPv6 addresses are not supported");
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) return bad("no port");
  ListenAddress address{.host = std::string(text.substr(0, colon))};
  in_addr ignored{};
  if (inet_pton(AF_INET, address.host.c_str(), &ignored) != 1) return bad("not an IPv4 address (names are not resolved)");
  if (!absl::SimpleAtoi(text.substr(colon + 1), &address.port) || address.port < 0 || address.port > 65535) {
    return bad("the port is not a number from 0 to 65535");
  }
  return address;
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  violations_ = &prometheus::BuildCounter()
                     .Name("nsfence_violations_total")
                     .Help("Violations reported (printed on stdout), by kind, action, namespace and policy.")
                     .Register(r);
  lost_ = &prometheus::BuildCounter()
               .Name("nsfence_events_lost_total")
               .Help("Violation records lost before they were printed, by stage: kernel_ringbuf (ring buffer "
                     "full), undecodable (a record the agent could not decode), rate_limit (suppressed by a "
                     "per-namespace rate limit).")
               .Register(r);
  for (LostStage stage : kStages) {
    lost_by_stage_[static_cast<size_t>(stage)] = &lost_->Add({{"stage", std::string(LostStageName(stage))}});
  }
  ringbuf_used_ = &prometheus::BuildGauge()
                       .Name("nsfence_ringbuf_used_bytes")
                       .Help("Bytes of the violation ring buffer written by the kernel and not yet read by the agent.")
                       .Register(r)
                       .Add({});
  ringbuf_size_ = &prometheus::BuildGauge()
                       .Name("nsfence_ringbuf_size_bytes")
                       .Help("Size of the violation ring buffer.")
                       .Register(r)
                       .Add({});
  latency_ = &prometheus::BuildHistogram()
                  .Name("nsfence_event_pipeline_latency_seconds")
                  .Help("From the kernel's timestamp of a violation to its line on stdout.")
                  .Register(r)
                  .Add({}, LatencyBuckets());
  apply_latency_ = &prometheus::BuildHistogram()
                        .Name("nsfence_inventory_apply_latency_seconds")
                        .Help("From an inventory change reaching the agent (a watch event, a pod cgroup created) "
                              "to the kernel maps written.")
                        .Register(r)
                        .Add({}, LatencyBuckets());
  kube_synced_ = &prometheus::BuildGauge()
                      .Name("nsfence_kube_synced")
                      .Help("1 when the agent's cache of an API resource has been listed and its last request "
                            "succeeded (--inventory-source kubernetes).")
                      .Register(r);
  kube_failures_ = &prometheus::BuildCounter()
                        .Name("nsfence_kube_watch_failures_total")
                        .Help("Failed LIST and WATCH requests to the API server, by resource; each is retried "
                              "after a backoff.")
                        .Register(r);
  invalid_objects_ = &prometheus::BuildGauge()
                          .Name("nsfence_kube_invalid_objects")
                          .Help("API objects the agent refuses (never applied), by resource: IsolationPolicies "
                                "its parser rejects.")
                          .Register(r);
  pending_pods_ = &prometheus::BuildGauge()
                       .Name("nsfence_pending_pods")
                       .Help("Pod cgroups on this node whose Pod object is not known yet (isolated with "
                             "--unknown-pods deny).")
                       .Register(r)
                       .Add({});
  reloads_ = &prometheus::BuildCounter()
                  .Name("nsfence_policy_reloads_total")
                  .Help("Policy and inventory reloads (and the first apply at start), by result: failure when a "
                        "file was rejected or the kernel maps could not be written.")
                  .Register(r);
  reloads_->Add({{"result", "success"}});
  reloads_->Add({{"result", "failure"}});
  responses_ = &prometheus::BuildCounter()
                    .Name("nsfence_responses_total")
                    .Help("Responses of policies' spec.response, by response (quarantine, kill-pod-processes, "
                          "release) and result: taken, audited (a policy in audit mode: reported only) or failed.")
                    .Register(r);
  audit_log_errors_ = &prometheus::BuildCounter()
                           .Name("nsfence_audit_log_errors_total")
                           .Help("Writes, syncs or rotations of the --audit-log file that failed (the line is "
                                 "still on stdout).")
                           .Register(r)
                           .Add({});
  generation_ = &prometheus::BuildGauge()
                     .Name("nsfence_policy_generation")
                     .Help("Generation of the policy in force (counts applies since the agent started).")
                     .Register(r)
                     .Add({});
  last_reload_success_ = &prometheus::BuildGauge()
                              .Name("nsfence_policy_last_reload_success_timestamp_seconds")
                              .Help("Unix time of the last reload that was accepted and applied in full.")
                              .Register(r)
                              .Add({});
  map_entries_ = &prometheus::BuildGauge()
                      .Name("nsfence_bpf_map_entries")
                      .Help("Entries the agent keeps in a BPF map.")
                      .Register(r);
  map_capacity_ = &prometheus::BuildGauge()
                       .Name("nsfence_bpf_map_capacity")
                       .Help("max_entries of a BPF map.")
                       .Register(r);
  quarantined_ = &prometheus::BuildGauge()
                      .Name("nsfence_quarantined_pods")
                      .Help("Pods whose traffic the datapath drops because a policy's spec.response quarantined them.")
                      .Register(r)
                      .Add({});
  backends_ = &prometheus::BuildGauge()
                   .Name("nsfence_enforcement_backend")
                   .Help("1 for the kernel mechanism enforcing each capability (exec: lsm or tracepoint).")
                   .Register(r);
  kernel_counters_ = &prometheus::BuildCounter()
                          .Name("nsfence_kernel_counter_total")
                          .Help("The BPF programs' counters (enum nsfence_counter of bpf/include/nsfence/abi.h), "
                                "summed over CPUs, since the pinned maps were created.")
                          .Register(r);
  for (int i = 0; i < NSFENCE_CNT_MAX; ++i) {
    kernel_by_counter_[i] = &kernel_counters_->Add({{"counter", std::string(KernelCounterName(i))}});
  }
  prometheus::BuildGauge()
      .Name("nsfence_build_info")
      .Help("1, labelled with the agent's version.")
      .Register(r)
      .Add({{"version", NSFENCE_VERSION}})
      .Set(1);
}

Metrics::~Metrics() {
  if (!exposer_) return;
  // The exposer's listener polls with a 2 s timeout and sees that it must
  // stop only when the poll returns: a connection makes it return at once, so
  // the agent stops without a 2 s pause.
  std::atomic<bool> stopped{false};
  std::thread waker([&] {
    while (!stopped.load()) {
      Poke(bound_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  exposer_.reset();
  stopped = true;
  waker.join();
}

absl::Status Metrics::Serve(const std::string& address) {
  if (exposer_) return absl::FailedPreconditionError(absl::StrCat("metrics already served on ", serving_));
  absl::StatusOr<ListenAddress> parsed = ParseListenAddress(address);
  if (!parsed.ok()) return parsed.status();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(absl::StrCat(parsed->host, ":", parsed->port), 2);
  } catch (const std::exception& e) {
    std::string why = WhyNotListening(*parsed);
    if (why.empty()) why = e.what();
    return absl::UnavailableError(absl::StrCat(kFlag, " ", address, ": cannot listen: ", why));
  }
  exposer_->RegisterCollectable(registry_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  bound_ = {.host = parsed->host, .port = ports.empty() ? parsed->port : ports.front()};
  serving_ = absl::StrCat(bound_.host, ":", bound_.port);
  return absl::OkStatus();
}

void Metrics::OnViolation(absl::string_view kind, absl::string_view action, absl::string_view ns,
                          absl::string_view policy, uint64_t n) {
  // A flood repeats one series: the family's label lookup (a map of four
  // strings built, hashed and locked) only when the series changes.
  ViolationSeries& last = last_violation_;
  if (last.counter == nullptr || last.kind != kind || last.action != action || last.ns != ns ||
      last.policy != policy) {
    last = {.kind = std::string(kind),
            .action = std::string(action),
            .ns = std::string(ns),
            .policy = std::string(policy),
            .counter = &violations_->Add({{"kind", std::string(kind)},
                                          {"action", std::string(action)},
                                          {"namespace", std::string(ns)},
                                          {"policy", std::string(policy)}})};
    by_namespace_[ns].violations.insert(last.counter);
  }
  last.counter->Increment(static_cast<double>(n));
}

void Metrics::RetainNamespaces(const absl::flat_hash_set<std::string>& live, absl::Time now, absl::Duration linger) {
  for (auto it = by_namespace_.begin(); it != by_namespace_.end();) {
    NamespaceSeries& series = it->second;
    if (live.contains(it->first)) {
      series.gone_since = absl::InfiniteFuture();
    } else if (series.gone_since == absl::InfiniteFuture()) {
      series.gone_since = now;
    }
    if (now - series.gone_since < linger) {
      ++it;
      continue;
    }
    for (prometheus::Counter* c : series.violations) violations_->Remove(c);
    for (prometheus::Counter* c : series.responses) responses_->Remove(c);
    if (last_violation_.ns == it->first) last_violation_ = {};
    by_namespace_.erase(it++);
  }
}

void Metrics::ObserveLatency(absl::Duration latency) {
  latency_->Observe(absl::ToDoubleSeconds(std::max(latency, absl::ZeroDuration())));
}

void Metrics::OnLost(LostStage stage, uint64_t n) {
  if (n > 0) lost_by_stage_[static_cast<size_t>(stage)]->Increment(static_cast<double>(n));
}

void Metrics::SetLostTotal(LostStage stage, uint64_t total) {
  uint64_t& last = last_lost_[static_cast<size_t>(stage)];
  OnLost(stage, Increase(last, total));
  last = total;
}

void Metrics::SetKernelCounters(const std::array<uint64_t, NSFENCE_CNT_MAX>& totals) {
  for (int i = 0; i < NSFENCE_CNT_MAX; ++i) {
    if (const uint64_t increase = Increase(last_kernel_[i], totals[i]); increase > 0) {
      kernel_by_counter_[i]->Increment(static_cast<double>(increase));
    }
    last_kernel_[i] = totals[i];
  }
  SetLostTotal(LostStage::kKernelRingbuf, totals[NSFENCE_CNT_RINGBUF_RESERVE_FAILED]);
}

void Metrics::SetRingbuf(uint64_t used_bytes, uint64_t size_bytes) {
  ringbuf_used_->Set(static_cast<double>(used_bytes));
  ringbuf_size_->Set(static_cast<double>(size_bytes));
}

void Metrics::OnReload(bool ok, uint64_t generation, absl::Time when) {
  reloads_->Add({{"result", ok ? "success" : "failure"}}).Increment();
  generation_->Set(static_cast<double>(generation));
  if (ok) last_reload_success_->Set(absl::ToDoubleSeconds(when - absl::UnixEpoch()));
}

void Metrics::SetMap(absl::string_view map, size_t entries, size_t capacity) {
  const prometheus::Labels labels = {{"map", std::string(map)}};
  map_entries_->Add(labels).Set(static_cast<double>(entries));
  map_capacity_->Add(labels).Set(static_cast<double>(capacity));
}

void Metrics::SetBackend(absl::string_view capability, absl::string_view backend) {
  prometheus::Gauge& now = backends_->Add({{"capability", std::string(capability)}, {"backend", std::string(backend)}});
  prometheus::Gauge*& in_use = backend_by_capability_[capability];
  if (in_use != nullptr && in_use != &now) backends_->Remove(in_use);
  in_use = &now;
  now.Set(1);
}

void Metrics::OnResponse(absl::string_view response, absl::string_view result, absl::string_view ns) {
  prometheus::Counter& counter =
      responses_->Add({{"response", std::string(response)}, {"result", std::string(result)}, {"namespace", std::string(ns)}});
  by_namespace_[ns].responses.insert(&counter);
  counter.Increment();
}

void Metrics::OnAuditLogError() { audit_log_errors_->Increment(); }

void Metrics::SetKubeCache(absl::string_view resource, bool synced, uint64_t failures_total) {
  kube_synced_->Add({{"resource", std::string(resource)}}).Set(synced ? 1 : 0);
  uint64_t& last = last_kube_failures_[resource];
  prometheus::Counter& failures = kube_failures_->Add({{"resource", std::string(resource)}});
  if (failures_total > last) failures.Increment(static_cast<double>(failures_total - last));
  last = failures_total;
}

void Metrics::SetInvalidObjects(absl::string_view resource, size_t objects) {
  invalid_objects_->Add({{"resource", std::string(resource)}}).Set(static_cast<double>(objects));
}

void Metrics::SetPendingPods(size_t pods) { pending_pods_->Set(static_cast<double>(pods)); }

void Metrics::ObserveInventoryApplyLatency(absl::Duration latency) {
  apply_latency_->Observe(absl::ToDoubleSeconds(std::max(latency, absl::ZeroDuration())));
}

void Metrics::SetQuarantinedPods(size_t pods) { quarantined_->Set(static_cast<double>(pods)); }

std::string Metrics::Text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace nsfence::metrics
