// Watch-to-enforcement latency, two kinds, each sample on a namespace and a
// pod of its own (created, measured, removed, and the maps back at their
// baseline before the next):
//
//   API event: a pod cgroup exists that the API server has not told the
//     agent of, so it is isolated as an unknown pod. t0: just before the
//     Namespace (tier=job) and Pending Pod objects are added; t1: when
//     nsf_endpoints[its cgroup id] no longer has the unknown pod's identity.
//   cgroup appears: the Pod and Namespace objects are published and applied
//     (the namespace's identity is in nsf_identities). t0: just before the
//     mkdir of the pod's cgroup; t1: when nsf_endpoints has its cgroup id
//     with the namespace's identity.
//
// t1 is found by polling the pinned map every 50 µs (a sleep of 50 µs and a
// lookup: 50-110 µs apart).
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_LATENCY_RUN_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_LATENCY_RUN_H_

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "apply_histogram.h"
#include "kube_bench_options.h"
#include "kube_rig.h"

namespace nsfence::bench {

struct LatencyKind {
  std::string name;
  std::string what;        // how t0 and t1 are taken, for the report
  std::vector<double> ms;  // completed samples
  std::vector<absl::Time> starts;  // their t0, on the wall clock (for the agent's log)
  int samples = 0;         // attempted
  // Not enforced as it should be within the settle timeout.
  int timed_out = 0;
  // cgroup appears: the endpoint showed another identity (the unknown
  // pod's) before its namespace's.
  int via_unknown = 0;
  // The maps were not back at their baseline in time after the sample.
  int not_back = 0;
  // The agent's own histogram over this kind's samples (applies of the
  // sample itself and of its clean-up).
  ApplyHistogram agent;
  // The share of all CPUs that other work on the machine took meanwhile.
  double elsewhere = 0;
  // Time the agent's threads were ready to run but waited for a CPU.
  double agent_run_queue_seconds = 0;
  double seconds = 0;  // the whole measurement
  std::vector<std::string> problems;  // the first few, verbatim
};

struct LatencyResult {
  LatencyKind api_event;
  LatencyKind cgroup_appears;
};

// Every sample, one line each: "kind,index,t0 (RFC 3339, µs),milliseconds".
absl::Status WriteSamples(const LatencyResult& result, const std::string& path);

// Nearest rank: the smallest sample with at least q of all at or below it.
double Percentile(std::vector<double> values, double q);

absl::StatusOr<LatencyResult> RunLatency(KubeRig& rig, const KubeBenchConfig& config,
                                         const std::atomic<bool>& stop_requested, std::ostream& progress);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_LATENCY_RUN_H_
