// The benchmark's private node: a fake API server (namespaces, pods and
// IsolationPolicy collections), a testbed whose pod cgroups are laid out as
// the kubelet's systemd driver lays them out, standing pods, and the agent
// fed by both:
//
//   namespace  tier   pod     serves       role
//   job-a      job    runner  -            its network namespace hosts the churn's pods
//   job-b      job    worker  TCP 8080     what jobs may not reach
//   infra      infra  cache   TCP 8080     what jobs may reach (the jobs policy)
//   filler-<i> job    -       -            --filler-namespaces: a bigger inventory
//
// Everything is removed again on destruction: the agent first (SIGTERM: it
// detaches and removes its pins), then the servers, the testbed (cgroups,
// network namespaces), the API server and the work directory (and any bpffs
// left mounted there).
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_KUBE_RIG_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_KUBE_RIG_H_

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "event_pipeline/agent_pipe.h"
#include "kube_bench_options.h"
#include "pinned_maps.h"
#include "support/kube/fake_cluster.h"
#include "support/testbed/background_process.h"
#include "support/testbed/testbed.h"
#include "work_dir.h"

namespace nsfence::bench {

// Map entries of the standing pods and namespaces.
struct MapEntries {
  size_t endpoints = 0;
  size_t identities = 0;
  friend bool operator==(const MapEntries&, const MapEntries&) = default;
};

class KubeRig {
 public:
  // Builds the node, starts the agent and waits until it enforces the
  // standing pods; checks the policy on them (runner -> worker refused,
  // runner -> cache allowed). Progress lines go to `progress`.
  static absl::StatusOr<std::unique_ptr<KubeRig>> Start(const KubeBenchConfig& config, std::ostream& progress);
  KubeRig(const KubeRig&) = delete;
  KubeRig& operator=(const KubeRig&) = delete;
  ~KubeRig();

  kube::testing::FakeCluster& cluster() { return *cluster_; }
  const testbed::ToolPaths& tools() const { return testbed_->tools(); }
  const testbed::Pod& runner() const { return *runner_; }
  const testbed::Pod& worker() const { return *worker_; }
  const testbed::Pod& cache() const { return *cache_; }
  // Where new pods' cgroups go: the Burstable slice.
  std::string qos_dir() const;
  const std::string& kubepods_root() const { return kubepods_root_; }
  // The testbed's cgroup root: every pod, and the probes, run below it.
  const std::string& cgroup_root() const { return testbed_->cgroup_root(); }

  const PolicyMaps& maps() const { return *maps_; }
  absl::StatusOr<MapEntries> Entries() const;
  // What the standing pods and namespaces take.
  const MapEntries& baseline() const { return baseline_; }
  // Polls until the maps hold the baseline again, at most `timeout`;
  // the entries seen last.
  absl::StatusOr<MapEntries> WaitForBaseline(absl::Duration timeout) const;

  pid_t agent_pid() const { return agent_->pid(); }
  // The agent's flags as run, without paths private to this run.
  const std::string& agent_flags() const { return agent_flags_; }
  std::string AgentLog() const { return agent_->LogText(); }
  // Network event lines the agent printed so far.
  uint64_t AgentEventLines() const { return agent_->stdout_lines().network_lines(); }
  // The agent's /metrics now.
  absl::StatusOr<std::string> Metrics() const;

  // SIGTERM; the agent must exit 0 and leave no pins. Copies its log to
  // `log_copy` first when not empty.
  absl::Status StopAgent(const std::string& log_copy);

 private:
  KubeRig() = default;
  absl::Status Build(const KubeBenchConfig& config, std::ostream& progress);
  absl::Status PublishStanding(int filler_namespaces);
  absl::Status Serve(const testbed::Pod& pod);
  absl::Status StartAgent(const KubeBenchConfig& config, const std::string& binary);
  absl::Status CheckStandingPolicy();

  std::string kubepods_root_;
  std::string agent_flags_;
  std::string metrics_address_;
  MapEntries baseline_;
  testbed::Pod* runner_ = nullptr;
  testbed::Pod* worker_ = nullptr;
  testbed::Pod* cache_ = nullptr;
  // Destroyed bottom-up: maps, agent, servers, testbed, API server, and the
  // work directory that holds the agent's bpffs last.
  std::optional<WorkDir> work_dir_;
  std::unique_ptr<kube::testing::FakeCluster> cluster_;
  std::unique_ptr<testbed::Testbed> testbed_;
  std::vector<testbed::BackgroundProcess> servers_;
  std::unique_ptr<AgentPipe> agent_;
  std::optional<PolicyMaps> maps_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_KUBE_RIG_H_
