// The benchmark proper: a testbed with the measured pair of pods, the load
// server started once, and rounds in which every scenario (no agent, an
// agent per namespace count, an agent whose policies also set a TLS floor,
// and an agent whose client policy also guards containers) is measured
// once, in an order that rotates from round to round so that drift spreads
// evenly over the scenarios. The TLS workloads run in the no-agent and the
// TLS floor scenarios (with tls_everywhere, in all); the exec loop in the
// no-agent and the container guard scenarios (with exec_everywhere, in
// all), and the container guard scenario runs only the exec loop.
#ifndef NSFENCE_BENCH_BENCHMARK_H_
#define NSFENCE_BENCH_BENCHMARK_H_

#include <atomic>
#include <optional>
#include <ostream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "load_runner.h"
#include "report.h"

namespace nsfence::bench {

struct BenchConfig {
  // Total namespaces in the agent's inventory, one scenario each.
  std::vector<int> namespace_counts = {10, 10000};
  int rounds = 3;
  // TLS handshakes and bulk throughput without an agent and under a TLS
  // floor; false: neither the TLS workloads nor the TLS floor scenario.
  bool tls = true;
  // Total namespaces of the TLS floor scenario; nullopt: the smallest of
  // namespace_counts; 0: no TLS floor scenario (TLS without an agent only).
  std::optional<int> tls_namespaces;
  // Also run the TLS workloads in the agent scenarios without a TLS floor:
  // what the TLS programs cost TLS traffic that no floor governs.
  bool tls_everywhere = false;
  // The exec loop (fork + exec of /bin/true in the client pod) without an
  // agent and under the container guard; false: neither the exec loop nor
  // the container guard scenario.
  bool exec = true;
  // Total namespaces of the container guard scenario; nullopt: the smallest
  // of namespace_counts; 0: no container guard scenario (exec without an
  // agent only).
  std::optional<int> exec_namespaces;
  // Also run the exec loop in the other agent scenarios, whose client pod
  // is not governed for containers: what the exec program costs an exec it
  // need not judge.
  bool exec_everywhere = false;
  LoadSettings load;
  absl::Duration agent_ready_timeout = absl::Minutes(2);
  // Before agent starts and measurements, wait up to quiet_timeout for the
  // CPU use outside the pods to drop to quiet_threshold (of all CPUs).
  double quiet_threshold = kQuietThreshold;
  absl::Duration quiet_timeout = absl::Seconds(30);
  // A measurement during which the CPU use outside the pods exceeded
  // quiet_threshold is repeated, up to this many attempts in all.
  int attempts = 3;
};

// Progress goes to `progress`. Stops early, with an error, once
// `*stop_requested` is set.
absl::StatusOr<std::vector<ScenarioResults>> RunBenchmark(const BenchConfig& config,
                                                          const std::atomic<bool>& stop_requested,
                                                          std::ostream& progress);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCHMARK_H_
