#include "kube_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "kube_objects.h"

namespace nsfence::bench {
namespace {

std::string Ms(double ms) { return absl::StrFormat("%.2f ms", ms); }

double Mib(int64_t kib) { return static_cast<double>(kib) / 1024; }

std::string AgentApplies(const ApplyHistogram& h) {
  return absl::StrFormat("%.0f applies, mean %.2f ms, p99 %s", h.count, h.mean_seconds() * 1000,
                         BoundText(h.QuantileBound(0.99)));
}

bool Met(const LatencyKind& kind, absl::Duration target) {
  return !kind.ms.empty() && kind.timed_out == 0 &&
         Percentile(kind.ms, 0.99) <= absl::ToDoubleMilliseconds(target);
}

void LatencyRow(const LatencyKind& k, std::ostream& out) {
  out << absl::StrFormat("| %s | %d | %s | %s | %s | %s | %s | %.0f%% | %.2f s in %.1f s |\n", k.name,
                         static_cast<int>(k.ms.size()), Ms(Percentile(k.ms, 0.5)), Ms(Percentile(k.ms, 0.9)),
                         Ms(Percentile(k.ms, 0.99)), Ms(Percentile(k.ms, 1.0)), AgentApplies(k.agent),
                         100 * k.elsewhere, k.agent_run_queue_seconds, k.seconds);
}

void LatencyNotes(const LatencyKind& k, std::ostream& out) {
  if (k.timed_out > 0) out << k.name << ": " << k.timed_out << " of " << k.samples << " samples never enforced\n";
  if (k.via_unknown > 0) {
    out << k.name << ": " << k.via_unknown << " of " << k.samples
        << " samples were isolated as unknown pods before their namespace's identity\n";
  }
  if (k.not_back > 0) out << k.name << ": after " << k.not_back << " samples the maps were not back at baseline\n";
  for (const std::string& p : k.problems) out << k.name << ": " << p << "\n";
}

}  // namespace

void PrintLatencyReport(const LatencyResult& result, absl::Duration target_p99, std::ostream& out) {
  out << "watch-to-enforcement latency (the benchmark's clock, polling the pinned nsf_endpoints every 50 µs):\n";
  for (const LatencyKind* k : {&result.api_event, &result.cgroup_appears}) out << "  " << k->name << ": " << k->what << "\n";
  out << "| kind | samples | p50 | p90 | p99 | max | agent's nsfence_inventory_apply_latency_seconds "
         "| CPUs taken by other work | agent waiting for a CPU |\n"
         "|---|---|---|---|---|---|---|---|---|\n";
  LatencyRow(result.api_event, out);
  LatencyRow(result.cgroup_appears, out);
  LatencyNotes(result.api_event, out);
  LatencyNotes(result.cgroup_appears, out);
  const bool met = Met(result.api_event, target_p99) && Met(result.cgroup_appears, target_p99);
  out << "target: p99 <= " << absl::FormatDuration(target_p99) << " for both: " << (met ? "met" : "not met") << " ("
      << result.api_event.name << " " << Ms(Percentile(result.api_event.ms, 0.99)) << ", "
      << result.cgroup_appears.name << " " << Ms(Percentile(result.cgroup_appears.ms, 0.99)) << ")\n";
}

std::vector<std::string> LatencyFailures(const LatencyResult& result) {
  std::vector<std::string> failures;
  for (const LatencyKind* k : {&result.api_event, &result.cgroup_appears}) {
    if (k->timed_out > 0) {
      failures.push_back(absl::StrCat(k->name, ": ", k->timed_out, " of ", k->samples, " samples never enforced"));
    }
    if (k->not_back > 0) {
      failures.push_back(absl::StrCat(k->name, ": after ", k->not_back,
                                      " samples the map entries did not return to their baseline"));
    }
  }
  return failures;
}

void PrintChurnReport(const ChurnResult& r, std::ostream& out) {
  out << absl::StrFormat(
      "churn: a namespace job-c<i> (tier=job) with one pod every %.1f ms for %g s: the Namespace and a Pending Pod "
      "added, then the pod cgroup and its container's; %g ms later (the sandbox phase; a real kubelet's sandbox and "
      "CNI take 100+ ms) two connections from the container's cgroup; the pod deleted %g ms after its mkdir. The "
      "pods share %s's network namespace (the agent enforces by cgroup).\n",
      1000 / r.rate, r.seconds, r.sandbox_ms, r.lifetime_ms, r.shared_netns);
  out << "| churn | figure |\n|---|---|\n";
  out << absl::StrFormat("| namespaces (one pod each) created | %d |\n", r.created);
  out << absl::StrFormat(
      "| pacing | %.2f/s achieved of %g/s; actions at most %.1f ms late (slowest create %.1f ms, probe start %.1f ms, "
      "delete %.1f ms) |\n",
      r.achieved_rate, r.rate, r.max_behind_ms, r.slowest_create_ms, r.slowest_probes_ms, r.slowest_delete_ms);
  out << absl::StrFormat("| probes run | %d |\n", r.probes);
  out << absl::StrFormat("| forbidden (-> job-b/worker:%d) refused with EPERM | %d |\n", kInfraPort, r.forbidden_denied);
  out << absl::StrFormat("| forbidden that succeeded | %d |\n", r.forbidden_succeeded);
  out << absl::StrFormat("| forbidden, other outcome | %d |\n", r.forbidden_other);
  out << absl::StrFormat("| allowed (-> infra/cache:%d) that succeeded | %d |\n", kInfraPort, r.allowed_ok);
  out << absl::StrFormat("| allowed that failed | %d (EPERM, the pod still unknown: %d) |\n",
                         r.allowed_denied + r.allowed_other, r.allowed_denied);
  out << absl::StrFormat("| pod cgroups in nsf_endpoints at their first connect (the others: not enforced yet) | %d of %d (%d of them "
      "still isolated as unknown) |\n",
                         r.enforced_at_first_connect, r.created, r.unknown_at_first_connect);
  out << absl::StrFormat("| pod cgroup mkdir to first connect | median %.1f ms, max %.1f ms |\n",
                         r.mkdir_to_connect_p50_ms, r.mkdir_to_connect_max_ms);
  out << absl::StrFormat("| nsf_endpoints before / after (baseline) | %d / %d (%d) |\n", static_cast<int>(r.before.endpoints),
                         static_cast<int>(r.after.endpoints), static_cast<int>(r.baseline.endpoints));
  out << absl::StrFormat("| nsf_identities before / after (baseline) | %d / %d (%d) |\n",
                         static_cast<int>(r.before.identities), static_cast<int>(r.after.identities),
                         static_cast<int>(r.baseline.identities));
  out << absl::StrFormat("| settled after the last deletion | %.2f s |\n", r.settle_seconds);
  out << absl::StrFormat("| agent RSS before / after (bound) | %.1f / %.1f MiB (%.1f MiB) |\n", Mib(r.rss_before_kib),
                         Mib(r.rss_after_kib), Mib(r.rss_bound_kib()));
  out << absl::StrFormat("| agent CPU during the churn | %.0f%% of a CPU (%.2f s in %.1f s) |\n",
                         r.wall_seconds > 0 ? 100 * r.agent_cpu_seconds / r.wall_seconds : 0.0, r.agent_cpu_seconds,
                         r.wall_seconds);
  out << "| agent's applies (nsfence_inventory_apply_latency_seconds) | " << AgentApplies(r.applies) << " |\n";
  out << absl::StrFormat(
      "| CPU, share of all CPUs | agent %.0f%%, the pods' processes (probes, servers) %.0f%%, this program %.0f%%, "
      "other work on the machine %.0f%%, idle %.0f%% |\n",
      100 * r.cpu_agent, 100 * r.cpu_probes, 100 * r.cpu_bench, 100 * r.elsewhere, 100 * r.cpu_idle);
  out << absl::StrFormat("| agent's threads waiting for a CPU | %.2f s in %.1f s |\n", r.agent_run_queue_seconds,
                         r.wall_seconds);
  out << absl::StrFormat("| blocked-connection events printed | %d |\n", static_cast<int>(r.blocked_events));
  out << absl::StrFormat("| agent's /metrics after the churn: series naming a deleted job-c namespace | %d (exposition %.0f KiB) |\n",
                         r.metric_series_of_deleted, static_cast<double>(r.metric_bytes) / 1024);
  for (const auto& [what, outcomes] : r.unexpected) {
    out << what << ": unexpected outcomes (first " << outcomes.size() << "): " << absl::StrJoin(outcomes, "; ") << "\n";
  }
  for (const std::string& p : r.problems) out << "churn problem: " << p << "\n";
}

std::vector<std::string> ChurnFailures(const ChurnResult& r) {
  std::vector<std::string> failures = r.problems;
  if (r.forbidden_succeeded > 0) {
    failures.push_back(absl::StrCat(r.forbidden_succeeded, " forbidden connections succeeded"));
  }
  if (r.forbidden_other > 0) {
    failures.push_back(absl::StrCat(r.forbidden_other, " forbidden connections were not refused with EPERM"));
  }
  if (r.allowed_denied + r.allowed_other > 0) {
    failures.push_back(absl::StrCat(r.allowed_denied + r.allowed_other, " allowed connections failed (",
                                    r.allowed_denied, " with EPERM: their pod was still isolated as unknown)"));
  }
  if (r.probes != 2 * r.created) {
    failures.push_back(absl::StrCat(r.probes, " probes ran for ", r.created, " pods, not 2 each"));
  }
  if (!r.entries_back()) {
    failures.push_back(absl::StrFormat(
        "map entries not back at their baseline %.0f s after the churn: nsf_endpoints %d (baseline %d), "
        "nsf_identities %d (baseline %d)",
        r.settle_seconds, static_cast<int>(r.after.endpoints), static_cast<int>(r.baseline.endpoints),
        static_cast<int>(r.after.identities), static_cast<int>(r.baseline.identities)));
  }
  if (!r.rss_ok()) {
    failures.push_back(absl::StrFormat("agent RSS %.1f MiB after the churn, beyond its bound %.1f MiB (%.1f MiB before)",
                                       Mib(r.rss_after_kib), Mib(r.rss_bound_kib()), Mib(r.rss_before_kib)));
  }
  return failures;
}

}  // namespace nsfence::bench
