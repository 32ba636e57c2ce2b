// Churn: a namespace job-c<i> (tier=job) with one pod every 1/rate s, in
// the kubelet's order:
//   t:            the Namespace and a Pending Pod are added to the API server,
//                 then the pod's cgroup is made, and its container's below it;
//   t + sandbox:  (the sandbox and CNI phase) two connections start in the
//                 container's cgroup: one to job-b/worker:8080, which the
//                 jobs policy forbids (must be refused with EPERM), one to
//                 infra/cache:8080, which it allows (must succeed);
//   t + lifetime: the probes are reaped (killed if still running), the
//                 cgroups removed (container, then pod), the Pod and the
//                 Namespace deleted.
// The churn's pods share job-a/runner's network namespace: the agent
// enforces by cgroup, and a network namespace per pod (veth, addresses,
// routes) would cost this 2-CPU machine more than the agent. One thread
// paces everything; the probes are child processes read once they ended.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_CHURN_RUN_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_CHURN_RUN_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apply_histogram.h"
#include "kube_bench_options.h"
#include "kube_rig.h"

namespace nsfence::bench {

struct ChurnResult {
  double rate = 0;  // requested
  double seconds = 0;
  double sandbox_ms = 0;
  double lifetime_ms = 0;
  std::string shared_netns;  // "job-a/runner"

  int created = 0;  // namespaces, one pod each
  double achieved_rate = 0;
  double max_behind_ms = 0;  // the latest any action ran after its time
  int probes = 0;
  int forbidden_denied = 0;  // EPERM, as it must be
  int forbidden_succeeded = 0;
  int forbidden_other = 0;  // neither: e.g. a timeout, a probe that failed to run
  int allowed_ok = 0;
  int allowed_denied = 0;  // EPERM: the pod was (still) isolated as unknown
  int allowed_other = 0;
  // Pods whose cgroup had an nsf_endpoints entry when their probes started,
  // and of those, the ones whose entry then was another identity than at
  // their deletion (their namespace's): still isolated as unknown pods.
  int enforced_at_first_connect = 0;
  int unknown_at_first_connect = 0;
  // From a pod cgroup's mkdir to its probes' start (the sandbox delay, and
  // however late this program was): median and maximum.
  double mkdir_to_connect_p50_ms = 0;
  double mkdir_to_connect_max_ms = 0;
  // The slowest of each of this program's actions: its share of lateness.
  double slowest_create_ms = 0;  // objects added, cgroups made
  double slowest_probes_ms = 0;  // two probes started
  double slowest_delete_ms = 0;  // probes reaped, cgroups removed, objects deleted
  // Up to a few unexpected outcomes, verbatim, by what was probed.
  std::map<std::string, std::vector<std::string>> unexpected;
  std::vector<std::string> problems;

  MapEntries baseline;  // standing pods only
  MapEntries before;
  MapEntries after;  // after waiting up to the settle timeout
  double settle_seconds = 0;
  int64_t rss_before_kib = 0;
  int64_t rss_after_kib = 0;
  double agent_cpu_seconds = 0;  // from the first creation to the last deletion
  double wall_seconds = 0;
  // Time the agent's threads were ready to run but waited for a CPU.
  double agent_run_queue_seconds = 0;
  double elsewhere = 0;  // the share of all CPUs other work on the machine took meanwhile
  // Shares of all CPUs' time during the churn.
  double cpu_agent = 0;
  double cpu_probes = 0;  // the churn's and the standing pods' processes (the testbed's cgroups)
  double cpu_bench = 0;   // this program: the API server, pacing, clean-up
  double cpu_idle = 0;
  ApplyHistogram applies;      // the agent's, over the churn and the settling
  uint64_t blocked_events = 0;  // network event lines the agent printed meanwhile
  // Series of the agent's /metrics, after the churn, that name a churned
  // (and deleted) namespace, and their size in the exposition.
  int metric_series_of_deleted = 0;
  size_t metric_bytes = 0;

  // The RSS the agent may have after the churn.
  int64_t rss_bound_kib() const;
  bool entries_back() const { return after == baseline; }
  bool rss_ok() const { return rss_after_kib <= rss_bound_kib(); }
  bool forbidden_ok() const { return forbidden_succeeded == 0 && forbidden_other == 0; }
  bool allowed_all_ok() const { return allowed_denied == 0 && allowed_other == 0; }
  bool passed() const {
    return problems.empty() && forbidden_ok() && allowed_all_ok() && entries_back() && rss_ok() &&
           probes == 2 * created;
  }
};

absl::StatusOr<ChurnResult> RunChurn(KubeRig& rig, const KubeBenchConfig& config,
                                     const std::atomic<bool>& stop_requested, std::ostream& progress);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_CHURN_RUN_H_
