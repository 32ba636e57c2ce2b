#include "latency_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "event_pipeline/elsewhere_meter.h"
#include "kube_objects.h"
#include "pod_cgroup.h"
#include "run_queue.h"

namespace nsfence::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPodName[] = "p";
constexpr auto kMapPoll = std::chrono::microseconds(50);
// Before t0: the agent has written what it was applying, logged and gone
// back to epoll_wait, so that a sample measures one change, not the tail
// of the one before.
constexpr absl::Duration kIdle = absl::Milliseconds(20);
constexpr size_t kKeptProblems = 5;

double MillisecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Polls every kMapPoll until `done`; the time it first was, or nullopt
// after `timeout`.
std::optional<Clock::time_point> PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const Clock::time_point deadline = Clock::now() + absl::ToChronoNanoseconds(timeout);
  for (;;) {
    if (done()) return Clock::now();
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kMapPoll);
  }
}

class LatencyRun {
 public:
  LatencyRun(KubeRig& rig, const KubeBenchConfig& config, const std::atomic<bool>& stop_requested)
      : rig_(rig), config_(config), stop_requested_(stop_requested) {}

  absl::Status Measure(LatencyKind& kind, const std::function<absl::Status(int, LatencyKind&)>& sample) {
    NSF_ASSIGN_OR_RETURN(const ApplyHistogram before, Histogram());
    ElsewhereMeter elsewhere(rig_.cgroup_root());
    NSF_RETURN_IF_ERROR(elsewhere.Start(rig_.agent_pid()));
    const double waited_before = RunQueueWaitSeconds(rig_.agent_pid());
    const absl::Time start = absl::Now();
    for (int i = 0; i < config_.samples; ++i) {
      if (stop_requested_) return absl::CancelledError("stopped by a signal");
      ++kind.samples;
      NSF_RETURN_IF_ERROR(sample(i, kind));
    }
    NSF_ASSIGN_OR_RETURN(const ApplyHistogram after, Histogram());
    kind.agent = after.Since(before);
    NSF_ASSIGN_OR_RETURN(kind.elsewhere, elsewhere.Elsewhere());
    kind.agent_run_queue_seconds = RunQueueWaitSeconds(rig_.agent_pid()) - waited_before;
    kind.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    return absl::OkStatus();
  }

  absl::Status ApiEvent(int i, LatencyKind& kind) {
    const std::string ns = absl::StrCat("lat-api-", i);
    const std::string uid = BenchUid(UidKind::kApiEventSample, static_cast<uint64_t>(i));
    NSF_ASSIGN_OR_RETURN(kube::Struct ns_object, NamespaceObject(ns, "job"));
    NSF_ASSIGN_OR_RETURN(kube::Struct pod_object, PendingPodObject(ns, kPodName, uid));
    NSF_ASSIGN_OR_RETURN(PodCgroup cgroup, PodCgroup::Create(rig_.qos_dir(), uid));
    const uint64_t id = cgroup.id();
    std::optional<uint32_t> unknown;
    if (!PollUntil([&] { return (unknown = rig_.maps().EndpointIdentity(id)).has_value(); },
                   config_.settle_timeout)) {
      Problem(kind, absl::StrCat("sample ", i, ": pod cgroup ", cgroup.pod_path(), " not isolated as unknown within ",
                                 absl::FormatDuration(config_.settle_timeout)));
      ++kind.timed_out;
      return CleanUp(kind, &cgroup, ns, /*objects_added=*/false);
    }
    absl::SleepFor(kIdle);

    std::optional<uint32_t> now;
    const absl::Time wall_t0 = absl::Now();
    const Clock::time_point t0 = Clock::now();
    rig_.cluster().namespaces().Add(std::move(ns_object));
    rig_.cluster().pods().Add(std::move(pod_object));
    const std::optional<Clock::time_point> t1 = PollUntil(
        [&] { return (now = rig_.maps().EndpointIdentity(id)).has_value() && *now != *unknown; }, config_.settle_timeout);
    if (!t1) {
      ++kind.timed_out;
      Problem(kind, absl::StrCat("sample ", i, ": ", ns, "/", kPodName, " still has the unknown pod's identity after ",
                                 absl::FormatDuration(config_.settle_timeout)));
    } else {
      kind.ms.push_back(MillisecondsBetween(t0, *t1));
      kind.starts.push_back(wall_t0);
      NSF_RETURN_IF_ERROR(CheckGoverned(kind, i, *now));
    }
    return CleanUp(kind, &cgroup, ns, /*objects_added=*/true);
  }

  absl::Status CgroupAppears(int i, LatencyKind& kind) {
    const std::string ns = absl::StrCat("lat-cg-", i);
    const std::string uid = BenchUid(UidKind::kCgroupSample, static_cast<uint64_t>(i));
    NSF_ASSIGN_OR_RETURN(kube::Struct ns_object, NamespaceObject(ns, "job"));
    NSF_ASSIGN_OR_RETURN(kube::Struct pod_object, PendingPodObject(ns, kPodName, uid));
    NSF_ASSIGN_OR_RETURN(const std::set<uint32_t> governed, rig_.maps().GovernedIdentities());
    // The Pod first: once the namespace's identity is in force, the Pod
    // (added before it) has reached the agent's cache too.
    rig_.cluster().pods().Add(std::move(pod_object));
    rig_.cluster().namespaces().Add(std::move(ns_object));
    std::optional<uint32_t> identity;
    const auto new_identity = [&] {
      absl::StatusOr<std::set<uint32_t>> now = rig_.maps().GovernedIdentities();
      if (!now.ok()) return false;
      for (uint32_t id : *now) {
        if (governed.count(id) == 0) identity = id;
      }
      return identity.has_value();
    };
    if (!PollUntil(new_identity, config_.settle_timeout)) {
      ++kind.timed_out;
      Problem(kind, absl::StrCat("sample ", i, ": namespace ", ns, " not governed within ",
                                 absl::FormatDuration(config_.settle_timeout)));
      return CleanUp(kind, nullptr, ns, /*objects_added=*/true);
    }
    absl::SleepFor(kIdle);

    std::optional<uint32_t> seen;
    bool other_seen = false;
    const absl::Time wall_t0 = absl::Now();
    const Clock::time_point t0 = Clock::now();
    NSF_ASSIGN_OR_RETURN(PodCgroup cgroup, PodCgroup::Create(rig_.qos_dir(), uid));
    const uint64_t id = cgroup.id();
    const std::optional<Clock::time_point> t1 = PollUntil(
        [&] {
          seen = rig_.maps().EndpointIdentity(id);
          if (seen.has_value() && *seen != *identity) other_seen = true;
          return seen == identity;
        },
        config_.settle_timeout);
    if (other_seen) ++kind.via_unknown;
    if (!t1) {
      ++kind.timed_out;
      Problem(kind, absl::StrCat("sample ", i, ": pod cgroup ", cgroup.pod_path(), " not enforced as ", ns, " within ",
                                 absl::FormatDuration(config_.settle_timeout),
                                 seen ? absl::StrCat(" (identity ", *seen, ", want ", *identity, ")")
                                      : std::string(" (no entry)")));
    } else {
      kind.ms.push_back(MillisecondsBetween(t0, *t1));
      kind.starts.push_back(wall_t0);
    }
    return CleanUp(kind, &cgroup, ns, /*objects_added=*/true);
  }

 private:
  absl::StatusOr<ApplyHistogram> Histogram() const {
    NSF_ASSIGN_OR_RETURN(const std::string metrics, rig_.Metrics());
    return ParseApplyHistogram(metrics);
  }

  static void Problem(LatencyKind& kind, std::string text) {
    if (kind.problems.size() < kKeptProblems) kind.problems.push_back(std::move(text));
  }

  absl::Status CheckGoverned(LatencyKind& kind, int i, uint32_t identity) {
    NSF_ASSIGN_OR_RETURN(const std::set<uint32_t> governed, rig_.maps().GovernedIdentities());
    if (governed.count(identity) == 0) {
      Problem(kind, absl::StrCat("sample ", i, ": the pod's new identity ", identity, " is not governed"));
    }
    return absl::OkStatus();
  }

  // As the kubelet and the API server delete a pod: its cgroup, then the
  // objects; then waits for the maps to be back at their baseline.
  // `cgroup` may be null: none was made.
  absl::Status CleanUp(LatencyKind& kind, PodCgroup* cgroup, const std::string& ns, bool objects_added) {
    if (cgroup != nullptr) NSF_RETURN_IF_ERROR(cgroup->Remove());
    if (objects_added) {
      rig_.cluster().pods().Remove(absl::StrCat(ns, "/", kPodName));
      rig_.cluster().namespaces().Remove(ns);
    }
    NSF_ASSIGN_OR_RETURN(const MapEntries now, rig_.WaitForBaseline(config_.settle_timeout));
    if (now != rig_.baseline()) {
      ++kind.not_back;
      Problem(kind, absl::StrCat("after ", ns, ": nsf_endpoints ", now.endpoints, ", nsf_identities ", now.identities,
                                 " entries; baseline ", rig_.baseline().endpoints, " and ", rig_.baseline().identities));
    }
    return absl::OkStatus();
  }

  KubeRig& rig_;
  const KubeBenchConfig& config_;
  const std::atomic<bool>& stop_requested_;
};

void PrintProgress(const LatencyKind& kind, std::ostream& progress) {
  progress << absl::StrFormat("%s: %d samples, p50 %.2f ms, p99 %.2f ms, max %.2f ms%s\n", kind.name,
                              static_cast<int>(kind.ms.size()), Percentile(kind.ms, 0.5), Percentile(kind.ms, 0.99),
                              Percentile(kind.ms, 1.0),
                              kind.timed_out > 0 ? absl::StrCat(", ", kind.timed_out, " timed out") : "");
}

}  // namespace

absl::Status WriteSamples(const LatencyResult& result, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  out << "kind,index,t0,ms\n";
  for (const LatencyKind* k : {&result.api_event, &result.cgroup_appears}) {
    for (size_t i = 0; i < k->ms.size(); ++i) {
      out << absl::StrFormat("%s,%d,%s,%.3f\n", k->name, static_cast<int>(i),
                             absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", k->starts[i], absl::UTCTimeZone()), k->ms[i]);
    }
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("writing ", path));
  return absl::OkStatus();
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

absl::StatusOr<LatencyResult> RunLatency(KubeRig& rig, const KubeBenchConfig& config,
                                         const std::atomic<bool>& stop_requested, std::ostream& progress) {
  LatencyResult result;
  result.api_event = {.name = "API event",
                      .what = "t0: before adding the Namespace and Pod of a pod cgroup isolated as unknown; "
                              "t1: its nsf_endpoints entry leaves the unknown pod's identity"};
  result.cgroup_appears = {.name = "cgroup appears",
                           .what = "t0: before the mkdir of the pod cgroup of a Pod and Namespace in force; "
                                   "t1: nsf_endpoints has the cgroup id with the namespace's identity"};
  LatencyRun run(rig, config, stop_requested);
  NSF_RETURN_IF_ERROR(run.Measure(result.api_event, [&](int i, LatencyKind& k) { return run.ApiEvent(i, k); }));
  PrintProgress(result.api_event, progress);
  NSF_RETURN_IF_ERROR(
      run.Measure(result.cgroup_appears, [&](int i, LatencyKind& k) { return run.CgroupAppears(i, k); }));
  PrintProgress(result.cgroup_appears, progress);
  return result;
}

}  // namespace nsfence::bench
