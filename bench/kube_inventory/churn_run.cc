#include "churn_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "cpu_meter.h"
#include "event_pipeline/elsewhere_meter.h"
#include "kube_objects.h"
#include "pod_cgroup.h"
#include "probe_process.h"
#include "process_stats.h"
#include "run_queue.h"

namespace nsfence::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPodName[] = "pod";
constexpr int64_t kRssSlackKib = 10 * 1024;
constexpr int64_t kRssSlackPercent = 20;
// A probe still running at its pod's deletion gets this much more.
constexpr absl::Duration kReapGrace = absl::Milliseconds(50);
constexpr size_t kKeptUnexpected = 5;

struct ChurnPod {
  int index = 0;
  std::string ns;
  std::optional<PodCgroup> cgroup;
  Clock::time_point made;  // the pod cgroup's mkdir
  std::optional<ProbeProcess> forbidden;
  std::optional<ProbeProcess> allowed;
  std::optional<uint32_t> identity_at_connect;
  Clock::time_point added;    // the objects' addition
  absl::Time made_wall;       // the mkdir again, on the wall clock (as the agent's log)
  Clock::time_point probing;  // the probes' start
};

int64_t Nanoseconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string IdentityText(const std::optional<uint32_t>& identity) {
  return identity ? absl::StrCat(*identity) : std::string("-");
}

double MsSince(Clock::time_point from) { return std::chrono::duration<double, std::milli>(Clock::now() - from).count(); }

class Churn {
 public:
  Churn(KubeRig& rig, const KubeBenchConfig& config, const std::atomic<bool>& stop_requested)
      : rig_(rig), config_(config), stop_requested_(stop_requested) {}

  absl::StatusOr<ChurnResult> Run(std::ostream& progress);

 private:
  absl::Status Create(int index);
  absl::Status StartProbes(ChurnPod& pod);
  absl::Status Delete(ChurnPod& pod);
  void Tally(const ChurnPod& pod, const std::string& outcome, bool forbidden);
  void Unexpected(const std::string& what, const std::string& outcome) {
    std::vector<std::string>& kept = r_.unexpected[what];
    if (kept.size() < kKeptUnexpected) kept.push_back(outcome);
  }
  void Behind(Clock::time_point due) {
    r_.max_behind_ms =
        std::max(r_.max_behind_ms, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
  }

  KubeRig& rig_;
  const KubeBenchConfig& config_;
  const std::atomic<bool>& stop_requested_;
  ChurnResult r_;
  std::deque<ChurnPod> starting_;  // made, probes not started yet; by mkdir time
  std::deque<ChurnPod> running_;   // probes started; by mkdir time
  std::string worker_ip_;
  std::string cache_ip_;
  std::optional<std::ofstream> trace_;
};

absl::StatusOr<ChurnResult> Churn::Run(std::ostream& progress) {
  r_.rate = config_.churn_rate;
  r_.seconds = absl::ToDoubleSeconds(config_.churn_duration);
  r_.sandbox_ms = absl::ToDoubleMilliseconds(config_.sandbox);
  r_.lifetime_ms = absl::ToDoubleMilliseconds(config_.pod_lifetime);
  r_.shared_netns = absl::StrCat(rig_.runner().namespace_name(), "/", rig_.runner().name());
  r_.baseline = rig_.baseline();
  if (!config_.pod_trace.empty()) {
    trace_.emplace(config_.pod_trace, std::ios::trunc);
    *trace_ << "namespace,added_ns,mkdir_ns,probes_ns,mkdir_wall,identity_at_connect,identity_at_delete,forbidden,"
               "allowed\n";
  }
  worker_ip_ = rig_.worker().ipv4().ToString();
  cache_ip_ = rig_.cache().ipv4().ToString();
  const int total = std::max(1, static_cast<int>(std::lround(r_.seconds * r_.rate)));
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / r_.rate));
  const auto sandbox = absl::ToChronoNanoseconds(config_.sandbox);
  const auto lifetime = absl::ToChronoNanoseconds(config_.pod_lifetime);

  NSF_ASSIGN_OR_RETURN(r_.before, rig_.Entries());
  NSF_ASSIGN_OR_RETURN(const std::string metrics_before, rig_.Metrics());
  NSF_ASSIGN_OR_RETURN(const ApplyHistogram applies_before, ParseApplyHistogram(metrics_before));
  const uint64_t events_before = rig_.AgentEventLines();
  r_.rss_before_kib = ResidentKib(rig_.agent_pid());
  progress << absl::StrFormat("churn: %d namespaces at %g/s, sandbox %g ms, lifetime %g ms\n", total, r_.rate,
                              r_.sandbox_ms, r_.lifetime_ms)
           << std::flush;

  ElsewhereMeter elsewhere(rig_.cgroup_root());
  NSF_RETURN_IF_ERROR(elsewhere.Start(rig_.agent_pid()));
  const CpuMeter meter(rig_.cgroup_root());
  NSF_ASSIGN_OR_RETURN(const CpuCounters counters_before, meter.Read());
  const double own_before = CpuSeconds(getpid());
  const double cpu_before = CpuSeconds(rig_.agent_pid());
  const double waited_before = RunQueueWaitSeconds(rig_.agent_pid());
  const Clock::time_point start = Clock::now();
  Clock::time_point first_made, last_made;
  int next = 0;
  int made = 0;  // pod cgroups made
  std::vector<double> mkdir_to_connect;
  absl::Status status;
  while (status.ok() && (next < total || !starting_.empty() || !running_.empty())) {
    if (stop_requested_) {
      status = absl::CancelledError("stopped by a signal");
      break;
    }
    // The earliest of: the next creation, the next probes, the next deletion.
    std::optional<Clock::time_point> due;
    int action = -1;
    const auto consider = [&](Clock::time_point when, int which) {
      if (!due || when < *due) {
        due = when;
        action = which;
      }
    };
    if (next < total) consider(start + next * period, 0);
    if (!starting_.empty()) consider(starting_.front().made + sandbox, 1);
    if (!running_.empty()) consider(running_.front().made + lifetime, 2);
    if (Clock::now() < *due) std::this_thread::sleep_until(*due);
    Behind(*due);
    const Clock::time_point began = Clock::now();
    if (action == 0) {
      const size_t before = starting_.size();
      status = Create(next++);
      if (starting_.size() > before) {
        if (made++ == 0) first_made = starting_.back().made;
        last_made = starting_.back().made;
      }
      r_.slowest_create_ms = std::max(r_.slowest_create_ms, MsSince(began));
    } else if (action == 1) {
      mkdir_to_connect.push_back(MsSince(starting_.front().made));
      status = StartProbes(starting_.front());
      running_.push_back(std::move(starting_.front()));
      starting_.pop_front();
      r_.slowest_probes_ms = std::max(r_.slowest_probes_ms, MsSince(began));
    } else {
      status = Delete(running_.front());
      running_.pop_front();
      r_.slowest_delete_ms = std::max(r_.slowest_delete_ms, MsSince(began));
    }
  }
  // On a failure or a signal: what was made goes, as it would have.
  for (std::deque<ChurnPod>* pods : {&starting_, &running_}) {
    for (ChurnPod& pod : *pods) {
      if (absl::Status deleted = Delete(pod); status.ok()) status = deleted;
    }
    pods->clear();
  }
  const Clock::time_point end = Clock::now();
  r_.agent_cpu_seconds = CpuSeconds(rig_.agent_pid()) - cpu_before;
  r_.agent_run_queue_seconds = RunQueueWaitSeconds(rig_.agent_pid()) - waited_before;
  r_.wall_seconds = std::chrono::duration<double>(end - start).count();
  NSF_ASSIGN_OR_RETURN(r_.elsewhere, elsewhere.Elsewhere());
  NSF_ASSIGN_OR_RETURN(const CpuCounters counters_after, meter.Read());
  const double machine = counters_after.machine_total_seconds - counters_before.machine_total_seconds;
  if (machine > 0) {
    const CpuUse use = UseBetween(counters_before, counters_after);
    r_.cpu_agent = r_.agent_cpu_seconds / machine;
    r_.cpu_probes = use.pods;
    r_.cpu_bench = (CpuSeconds(getpid()) - own_before) / machine;
    r_.cpu_idle = 1 - use.busy;
  }
  if (!mkdir_to_connect.empty()) {
    std::sort(mkdir_to_connect.begin(), mkdir_to_connect.end());
    r_.mkdir_to_connect_p50_ms = mkdir_to_connect[mkdir_to_connect.size() / 2];
    r_.mkdir_to_connect_max_ms = mkdir_to_connect.back();
  }
  if (made > 1) r_.achieved_rate = (made - 1) / std::chrono::duration<double>(last_made - first_made).count();
  NSF_RETURN_IF_ERROR(status);

  NSF_ASSIGN_OR_RETURN(r_.after, rig_.WaitForBaseline(config_.settle_timeout));
  r_.settle_seconds = std::chrono::duration<double>(Clock::now() - end).count();
  // The agent trims its heap after each apply; RSS after the last one.
  r_.rss_after_kib = ResidentKib(rig_.agent_pid());
  NSF_ASSIGN_OR_RETURN(const std::string metrics_after, rig_.Metrics());
  NSF_ASSIGN_OR_RETURN(const ApplyHistogram applies_after, ParseApplyHistogram(metrics_after));
  r_.applies = applies_after.Since(applies_before);
  r_.metric_bytes = metrics_after.size();
  for (absl::string_view line : absl::StrSplit(metrics_after, '\n')) {
    if (absl::StrContains(line, "namespace=\"job-c")) ++r_.metric_series_of_deleted;
  }
  r_.blocked_events = rig_.AgentEventLines() - events_before;
  return std::move(r_);
}

absl::Status Churn::Create(int index) {
  ChurnPod pod{.index = index, .ns = absl::StrCat("job-c", index)};
  const std::string uid = BenchUid(UidKind::kChurnPod, static_cast<uint64_t>(index));
  NSF_ASSIGN_OR_RETURN(kube::Struct ns_object, NamespaceObject(pod.ns, "job"));
  NSF_ASSIGN_OR_RETURN(kube::Struct pod_object, PendingPodObject(pod.ns, kPodName, uid));
  // Created, then scheduled to this node: the kubelet learns of the pod
  // and makes its cgroup.
  pod.added = Clock::now();
  rig_.cluster().namespaces().Add(std::move(ns_object));
  rig_.cluster().pods().Add(std::move(pod_object));
  pod.made = Clock::now();
  pod.made_wall = absl::Now();
  absl::StatusOr<PodCgroup> cgroup = PodCgroup::Create(rig_.qos_dir(), uid);
  ++r_.created;
  if (!cgroup.ok()) {
    rig_.cluster().pods().Remove(absl::StrCat(pod.ns, "/", kPodName));
    rig_.cluster().namespaces().Remove(pod.ns);
    return cgroup.status();
  }
  pod.cgroup.emplace(*std::move(cgroup));
  // The sandbox's container (pause) is the runtime's first cgroup in it.
  absl::Status container = pod.cgroup->AddContainer();
  starting_.push_back(std::move(pod));
  return container;
}

absl::Status Churn::StartProbes(ChurnPod& pod) {
  pod.probing = Clock::now();
  pod.identity_at_connect = rig_.maps().EndpointIdentity(pod.cgroup->id());
  if (pod.identity_at_connect) ++r_.enforced_at_first_connect;
  const auto start = [&](const std::string& ip) {
    return ProbeProcess::Start(ProbeCommand(rig_.tools().podexec, pod.cgroup->container_path(),
                                            rig_.runner().netns_name(), rig_.tools().netprobe,
                                            TcpConnectArgs(ip, kInfraPort, config_.probe_timeout)));
  };
  NSF_ASSIGN_OR_RETURN(ProbeProcess forbidden, start(worker_ip_));
  pod.forbidden.emplace(std::move(forbidden));
  NSF_ASSIGN_OR_RETURN(ProbeProcess allowed, start(cache_ip_));
  pod.allowed.emplace(std::move(allowed));
  return absl::OkStatus();
}

void Churn::Tally(const ChurnPod& pod, const std::string& outcome, bool forbidden) {
  ++r_.probes;
  if (forbidden) {
    if (outcome == kProbeDenied) {
      ++r_.forbidden_denied;
      return;
    }
    outcome == kProbeOk ? ++r_.forbidden_succeeded : ++r_.forbidden_other;
    Unexpected(absl::StrCat("forbidden, to job-b/worker:", kInfraPort), absl::StrCat(pod.ns, ": ", outcome));
  } else {
    if (outcome == kProbeOk) {
      ++r_.allowed_ok;
      return;
    }
    outcome == kProbeDenied ? ++r_.allowed_denied : ++r_.allowed_other;
    Unexpected(absl::StrCat("allowed, to infra/cache:", kInfraPort), absl::StrCat(pod.ns, ": ", outcome));
  }
}

absl::Status Churn::Delete(ChurnPod& pod) {
  // The kubelet stops the containers, removes the cgroups, and then the
  // API server deletes the Pod; the namespace goes after it.
  const std::string forbidden = pod.forbidden ? pod.forbidden->Finish(kReapGrace) : "";
  const std::string allowed = pod.allowed ? pod.allowed->Finish(kReapGrace) : "";
  if (pod.forbidden) Tally(pod, forbidden, /*forbidden=*/true);
  if (pod.allowed) Tally(pod, allowed, /*forbidden=*/false);
  // A second past its creation the agent knows the pod: this is its
  // namespace's identity.
  const std::optional<uint32_t> final_identity =
      pod.cgroup ? rig_.maps().EndpointIdentity(pod.cgroup->id()) : std::nullopt;
  if (pod.identity_at_connect && final_identity != pod.identity_at_connect) {
    ++r_.unknown_at_first_connect;
    Unexpected("still isolated as unknown when its probes started (not a failure unless a probe failed)", pod.ns);
  }
  if (trace_) {
    *trace_ << pod.ns << "," << Nanoseconds(pod.added) << "," << Nanoseconds(pod.made) << ","
            << Nanoseconds(pod.probing) << ","
            << absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", pod.made_wall, absl::UTCTimeZone()) << ","
            << IdentityText(pod.identity_at_connect) << ","
            << IdentityText(final_identity) << "," << forbidden << "," << allowed << "\n";
  }
  pod.forbidden.reset();
  pod.allowed.reset();
  absl::Status status = pod.cgroup ? pod.cgroup->Remove() : absl::OkStatus();
  pod.cgroup.reset();
  rig_.cluster().pods().Remove(absl::StrCat(pod.ns, "/", kPodName));
  rig_.cluster().namespaces().Remove(pod.ns);
  if (!status.ok()) r_.problems.push_back(absl::StrCat("removing ", pod.ns, "'s cgroups: ", status.message()));
  return absl::OkStatus();
}

}  // namespace

int64_t ChurnResult::rss_bound_kib() const {
  return rss_before_kib + std::max(kRssSlackKib, rss_before_kib * kRssSlackPercent / 100);
}

absl::StatusOr<ChurnResult> RunChurn(KubeRig& rig, const KubeBenchConfig& config,
                                     const std::atomic<bool>& stop_requested, std::ostream& progress) {
  return Churn(rig, config, stop_requested).Run(progress);
}

}  // namespace nsfence::bench
