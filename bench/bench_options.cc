#include "bench_options.h"

#include <cmath>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace nsfence::bench {
namespace {

absl::StatusOr<double> Seconds(const std::string& flag, const std::string& text, double min) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects seconds >= ", min, ", got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<int> Count(const std::string& flag, const std::string& text, int min) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects a whole number >= ", min, ", got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<std::vector<int>> Counts(const std::string& flag, const std::string& text) {
  std::vector<int> counts;
  for (const std::string& item : std::vector<std::string>(absl::StrSplit(text, ','))) {
    NSF_ASSIGN_OR_RETURN(const int count, Count(flag, item, 2));
    counts.push_back(count);
  }
  return counts;
}

}  // namespace

std::string BenchUsage() {
  return R"(usage: nsfence-bench [options]   (as root)

Measures what the agent costs pod traffic: TCP connection setup rate and
TCP/UDP request/response latency between two pods of different namespaces,
without an agent and with agents enforcing on inventories of different sizes;
and TLS (OpenSSL): full handshakes per second (TLS 1.3 and 1.2, a new TCP
connection each) and bulk throughput over one TLS 1.3 connection, without an
agent and with an agent whose policies also set a TLS floor of 1.2 on both
pods; and the exec rate of a container process (fork + execve of /bin/true +
waitpid, from a process placed in the client pod as a runtime places a
container's: the pod's cgroup and network namespace, mount, pid and IPC
namespaces of its own, the runtime default bounding set), without an agent
and with an agent whose client policy also guards containers
(privileged: deny, allowedCapabilities: [], hostNamespaces: deny).
Builds a private testbed (network namespaces, a bridge and cgroups of its
own) and removes it afterwards; prints figures, ratios and a verdict.
With an agent it also meters the datapath itself: the run time of the
agent's BPF programs per connection, round trip, TLS handshake, MB of
TLS data and exec, from the kernel's BPF
run-time statistics (on only while that load runs; the
kernel.bpf_stats_enabled sysctl is left alone).

  --duration-seconds S       measured seconds of each load run (default 3)
  --warmup-seconds S         untimed load before each measured run (default 0.5)
  --rounds N                 rounds; each measures every scenario once, in
                             rotating order; medians are printed (default 3)
  --namespaces N,M,...       namespace counts of the agent scenarios, the two
                             measured namespaces included (default 10,10000)
  --tls-namespaces N         namespace count of the TLS floor scenario (default:
                             the smallest of --namespaces; 0: none, TLS is then
                             measured without an agent only)
  --tls-everywhere           run the TLS workloads in the agent scenarios without
                             a TLS floor too (what the TLS programs cost TLS
                             traffic no floor governs)
  --no-tls                   no TLS workloads and no TLS floor scenario
  --exec-namespaces N        namespace count of the container guard scenario
                             (default: the smallest of --namespaces; 0: none,
                             exec is then measured without an agent only)
  --exec-everywhere          run the exec loop in the agent scenarios without the
                             container guard too (an exec the guard need not judge)
  --no-exec                  no exec loop and no container guard scenario
  --connect-threads N        client threads of the connection-rate loop (default 1)
  --rr-cpu N                 CPU of the load server, the request/response
                             clients and the TLS bulk client (default 0; -1:
                             not pinned)
  --connect-cpu N            CPU of the connection-rate and TLS handshake
                             clients (default 0; -1: not pinned). By default
                             all load shares one CPU: no cross-CPU wake-ups,
                             whose cost varies a lot in a VM
  --agent-timeout-seconds S  how long an agent may take to become ready (default 120)
  --quiet-timeout-seconds S  before agent starts and measurements, wait up to S
                             for other work on the machine to leave the CPUs
                             (default 30; 0: do not wait)
  --attempts N               measure again while more than 10% of the CPUs were
                             busy outside the pods, up to N attempts (default 3)
  --quick                    smoke test: 1 s runs, 0.2 s warm-up, one round
                             (TLS and exec included)
  --help                     this text
)";
}

absl::StatusOr<BenchOptions> ParseBenchArgs(const std::vector<std::string>& args) {
  BenchOptions options;
  BenchConfig& config = options.config;
  bool quick = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('='); absl::StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      continue;
    }
    if (flag == "--quick") {
      quick = true;
      continue;
    }
    if (flag == "--no-tls") {
      config.tls = false;
      continue;
    }
    if (flag == "--tls-everywhere") {
      config.tls_everywhere = true;
      continue;
    }
    if (flag == "--no-exec") {
      config.exec = false;
      continue;
    }
    if (flag == "--exec-everywhere") {
      config.exec_everywhere = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      value = args[++i];
    }
    if (flag == "--duration-seconds") {
      NSF_ASSIGN_OR_RETURN(const double s, Seconds(flag, value, 0.01));
      config.load.measured = absl::Seconds(s);
    } else if (flag == "--warmup-seconds") {
      NSF_ASSIGN_OR_RETURN(const double s, Seconds(flag, value, 0));
      config.load.warmup = absl::Seconds(s);
    } else if (flag == "--agent-timeout-seconds") {
      NSF_ASSIGN_OR_RETURN(const double s, Seconds(flag, value, 1));
      config.agent_ready_timeout = absl::Seconds(s);
    } else if (flag == "--quiet-timeout-seconds") {
      NSF_ASSIGN_OR_RETURN(const double s, Seconds(flag, value, 0));
      config.quiet_timeout = absl::Seconds(s);
    } else if (flag == "--attempts") {
      NSF_ASSIGN_OR_RETURN(config.attempts, Count(flag, value, 1));
    } else if (flag == "--rounds") {
      NSF_ASSIGN_OR_RETURN(config.rounds, Count(flag, value, 1));
    } else if (flag == "--rr-cpu") {
      NSF_ASSIGN_OR_RETURN(config.load.rr_cpu, Count(flag, value, -1));
    } else if (flag == "--connect-cpu") {
      NSF_ASSIGN_OR_RETURN(config.load.connect_cpu, Count(flag, value, -1));
    } else if (flag == "--connect-threads") {
      NSF_ASSIGN_OR_RETURN(config.load.connect_threads, Count(flag, value, 1));
    } else if (flag == "--namespaces") {
      NSF_ASSIGN_OR_RETURN(config.namespace_counts, Counts(flag, value));
    } else if (flag == "--tls-namespaces") {
      NSF_ASSIGN_OR_RETURN(const int count, Count(flag, value, 0));
      if (count == 1) {
        return absl::InvalidArgumentError(
            "--tls-namespaces expects 0 or a count >= 2 (the two measured namespaces count)");
      }
      config.tls_namespaces = count;
    } else if (flag == "--exec-namespaces") {
      NSF_ASSIGN_OR_RETURN(const int count, Count(flag, value, 0));
      if (count == 1) {
        return absl::InvalidArgumentError(
            "--exec-namespaces expects 0 or a count >= 2 (the two measured namespaces count)");
      }
      config.exec_namespaces = count;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown argument \"", flag, "\" (see --help)"));
    }
  }
  if (quick) {
    config.rounds = 1;
    config.load.measured = absl::Seconds(1);
    config.load.warmup = absl::Milliseconds(200);
  }
  return options;
}

}  // namespace nsfence::bench
