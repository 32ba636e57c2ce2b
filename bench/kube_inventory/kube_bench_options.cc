#include "kube_bench_options.h"

#include <cmath>

#include "absl/strings/match.h"
#include "bench_args.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nsfence::bench {
namespace {

absl::StatusOr<double> Number(const std::string& flag, const std::string& text, double min, double max) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects a number from ", min, " to ", max, ", got \"", text, "\""));
  }
  return value;
}

}  // namespace

std::string KubeBenchUsage() {
  return R"(usage: nsfence-kube-bench [options]   (as root)

Runs the agent with --inventory-source=kubernetes against a fake API server
on a private node whose pod cgroups are laid out as the kubelet's systemd
driver lays them out, with one IsolationPolicy (job namespaces, tier=job:
crossNamespace deny, egress to tier=infra namespaces on TCP 8080) and
standing pods job-a/runner, job-b/worker (serves 8080) and infra/cache
(serves 8080). Then:

 1. Watch-to-enforcement latency, two kinds, read from the pinned
    nsf_endpoints map: "API event" (a pod cgroup the API does not know yet,
    isolated as an unknown pod, until its Namespace and Pod objects give it
    its namespace's identity) and "cgroup appears" (objects applied first,
    until the new pod cgroup has its namespace's identity).
 2. Churn: a new namespace with one pod every 1/rate s, in the kubelet's
    order (objects, pod cgroup, sandbox delay, then the pod's first
    connections: one a job may not make, one it may), deleted again after
    the pod's lifetime. Checks that every connection was judged right, that
    the map entries return to their baseline and the agent's memory stays
    bounded.

  --samples N           latency samples of each kind (default 300)
  --target-p99-ms MS    latency target (default 10)
  --churn-rate R        new namespaces (and pods) per second (default 50)
  --churn-seconds S     how long the churn lasts (default 60)
  --sandbox-ms MS       pod cgroup mkdir to first connect (default 20; a real
                        kubelet's sandbox and CNI take 100+ ms)
  --pod-lifetime-ms MS  pod cgroup mkdir to deletion (default 1000)
  --probe-timeout-ms MS each connection attempt's timeout (default 800)
  --filler-namespaces N governed namespaces without pods published before the
                        agent starts, for a bigger inventory (default 0)
  --pod-trace PATH      write a line per churn pod there (CSV: namespace,
                        CLOCK_MONOTONIC ns of the objects' addition, the mkdir
                        and the probes' start, the mkdir on the wall clock (as
                        the agent's log), the endpoint's identity then and
                        at deletion, both outcomes)
  --no-latency          skip the latency measurements
  --no-churn            skip the churn
  --agent PATH          the agent binary (default: nsfence-agent next to this program)
  --agent-log PATH      keep a copy of the agent's log there
  --samples-out PATH    write every latency sample there (CSV: kind, index, t0
                        on the wall clock as the agent's log has it, ms)
  --quick               a smoke run: 30 samples, churn 20/s for 5 s
  --help
)";
}

absl::StatusOr<KubeBenchOptions> ParseKubeBenchArgs(const std::vector<std::string>& args) {
  KubeBenchOptions options;
  KubeBenchConfig& c = options.config;
  BenchArgs cursor(args);
  while (!cursor.Done()) {
    const std::string flag = cursor.Next();
    const auto value = [&] { return cursor.Value(); };
    const auto milliseconds = [&](double min, double max) -> absl::StatusOr<absl::Duration> {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double ms, Number(flag, v, min, max));
      return absl::Milliseconds(ms);
    };
    if (flag == "--help" || flag == "-h") {
      options.help = true;
    } else if (flag == "--quick") {
      c.samples = 30;
      c.churn_rate = 20;
      c.churn_duration = absl::Seconds(5);
    } else if (flag == "--no-latency") {
      c.latency = false;
    } else if (flag == "--no-churn") {
      c.churn = false;
    } else if (flag == "--samples") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double n, Number(flag, v, 1, 100000));
      c.samples = static_cast<int>(n);
    } else if (flag == "--filler-namespaces") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double n, Number(flag, v, 0, 100000));
      c.filler_namespaces = static_cast<int>(n);
    } else if (flag == "--churn-rate") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(c.churn_rate, Number(flag, v, 0.1, 1000));
    } else if (flag == "--churn-seconds") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double s, Number(flag, v, 0.1, 3600));
      c.churn_duration = absl::Seconds(s);
    } else if (flag == "--target-p99-ms") {
      NSF_ASSIGN_OR_RETURN(c.target_p99, milliseconds(0.001, 60000));
    } else if (flag == "--sandbox-ms") {
      NSF_ASSIGN_OR_RETURN(c.sandbox, milliseconds(0, 60000));
    } else if (flag == "--pod-lifetime-ms") {
      NSF_ASSIGN_OR_RETURN(c.pod_lifetime, milliseconds(1, 600000));
    } else if (flag == "--probe-timeout-ms") {
      NSF_ASSIGN_OR_RETURN(c.probe_timeout, milliseconds(1, 60000));
    } else if (flag == "--agent") {
      NSF_ASSIGN_OR_RETURN(c.agent_binary, value());
    } else if (flag == "--agent-log") {
      NSF_ASSIGN_OR_RETURN(c.agent_log_copy, value());
    } else if (flag == "--pod-trace") {
      NSF_ASSIGN_OR_RETURN(c.pod_trace, value());
    } else if (flag == "--samples-out") {
      NSF_ASSIGN_OR_RETURN(c.samples_out, value());
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", cursor.raw(), " (see --help)"));
    }
  }
  if (c.churn && c.sandbox + c.probe_timeout >= c.pod_lifetime) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--sandbox-ms + --probe-timeout-ms (", absl::FormatDuration(c.sandbox + c.probe_timeout),
        ") must be less than --pod-lifetime-ms (", absl::FormatDuration(c.pod_lifetime),
        "): a pod is deleted only after its probes had their time"));
  }
  if (!c.latency && !c.churn) return absl::InvalidArgumentError("--no-latency and --no-churn: nothing to do");
  return options;
}

}  // namespace nsfence::bench
