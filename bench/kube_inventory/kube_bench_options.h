// The command line of nsfence-kube-bench.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_KUBE_BENCH_OPTIONS_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_KUBE_BENCH_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::bench {

struct KubeBenchConfig {
  // Watch-to-enforcement latency: samples of each kind (API event, cgroup
  // appears); none when latency is off.
  bool latency = true;
  int samples = 300;
  // The p99 both kinds should stay within.
  absl::Duration target_p99 = absl::Milliseconds(10);

  // Churn: a namespace with one pod every 1/churn_rate s for churn_duration.
  bool churn = true;
  double churn_rate = 50;
  absl::Duration churn_duration = absl::Seconds(60);
  // From the pod cgroup's mkdir to the first connect: the kubelet's sandbox
  // and CNI phase (100+ ms on a real node).
  absl::Duration sandbox = absl::Milliseconds(20);
  // From the pod cgroup's mkdir to its deletion.
  absl::Duration pod_lifetime = absl::Seconds(1);
  // Each probe gives up after this; less than pod_lifetime - sandbox.
  absl::Duration probe_timeout = absl::Milliseconds(800);

  // Namespaces (tier=job, governed, no pods) published before the agent
  // starts: every apply is a whole inventory's, so its cost grows with them.
  int filler_namespaces = 0;

  // How long the agent may take to return to the baseline map entries.
  absl::Duration settle_timeout = absl::Seconds(5);
  absl::Duration agent_ready_timeout = absl::Minutes(1);
  // The agent to measure; empty: nsfence-agent next to this program.
  std::string agent_binary;
  // Where to keep a copy of the agent's log (its stderr); empty: nowhere.
  std::string agent_log_copy;
  // Where to write every latency sample (CSV); empty: nowhere.
  std::string samples_out;
  // Where to write a line per churn pod (CSV, CLOCK_MONOTONIC times, as
  // perf's -k CLOCK_MONOTONIC); empty: nowhere.
  std::string pod_trace;
};

struct KubeBenchOptions {
  KubeBenchConfig config;
  bool help = false;
};

std::string KubeBenchUsage();
// "--flag value" or "--flag=value"; `args` without the program name.
absl::StatusOr<KubeBenchOptions> ParseKubeBenchArgs(const std::vector<std::string>& args);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_KUBE_BENCH_OPTIONS_H_
