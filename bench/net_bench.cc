// nsfence-bench: what the agent costs the pods it protects. Measures TCP
// connection setup rate and TCP/UDP request/response latency between two
// pods of different namespaces, without an agent and with agents whose
// inventory and policies cover different numbers of namespaces; and TLS
// handshake rate and bulk throughput without an agent and with an agent
// whose policies set a TLS floor; and the exec rate of a container process
// in a pod without an agent and with an agent that guards the pod's
// containers; and prints the figures with their ratios to the no-agent
// baseline.
//
// Everything runs on a private testbed (network namespaces, veth pairs, a
// bridge and cgroups of its own); the agent is confined to the testbed's
// cgroup root and a private bpffs directory. Run as root.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench_options.h"
#include "bench_policies.h"
#include "bench_topology.h"
#include "benchmark.h"
#include "common/capabilities.h"
#include "report.h"

namespace nsfence::bench {
namespace {

std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested = true; }

std::string Placement(int cpu) { return cpu < 0 ? "any CPU" : absl::StrCat("CPU ", cpu); }

int Main(int argc, char** argv) {
  absl::StatusOr<BenchOptions> options =
      ParseBenchArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "nsfence-bench: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << BenchUsage();
    return 0;
  }
  const BenchConfig& config = options->config;
  if (geteuid() != 0) {
    std::cerr << "nsfence-bench: run as root (it creates network namespaces and cgroups)\n";
    return 1;
  }
  // Stop between measurements, so that the testbed and the agent are torn
  // down properly.
  signal(SIGINT, RequestStop);
  signal(SIGTERM, RequestStop);

  const LoadSettings& load = config.load;
  const size_t tls_scenarios = config.tls && config.tls_namespaces != 0 ? 1 : 0;
  const size_t exec_scenarios = config.exec && config.exec_namespaces != 0 ? 1 : 0;
  std::cout << "nsfence-bench: " << config.rounds << " round(s) of "
            << config.namespace_counts.size() + 1 + tls_scenarios + exec_scenarios
            << " scenarios, "
            << absl::ToDoubleSeconds(load.measured) << " s per load run after "
            << absl::ToDoubleSeconds(load.warmup) << " s warm-up; " << sysconf(_SC_NPROCESSORS_ONLN)
            << " CPUs\n"
            << "load: connection rate from " << load.connect_threads << " client thread(s) on "
            << Placement(load.connect_cpu) << "; server and request/response clients on "
            << Placement(load.rr_cpu) << "; IPv4" << std::endl;
  if (config.tls) {
    std::cout << "TLS: handshake clients on " << Placement(load.connect_cpu) << ", bulk client on "
              << Placement(load.rr_cpu) << " (" << load.tls_write_bytes
              << "-byte writes); TLS floor scenario: "
              << (config.tls_namespaces == 0 ? std::string("none")
                                             : absl::StrCat("policies with tls: {minVersion: \"",
                                                            kBenchTlsFloor, "\", direction: both}"))
              << (config.tls_everywhere ? "; TLS load in every scenario" : "") << std::endl;
  }
  if (config.exec) {
    std::cout << "exec: fork + execve(" << load.exec_program << ") + waitpid on "
              << Placement(load.connect_cpu) << ", from a worker in " << kClientNamespace << "/"
              << kClientPod
              << " placed like a container process (the pod's cgroup and network namespace; "
                 "mount, pid and IPC namespaces of its own; bounding set "
              << absl::StrJoin(CapabilityNames(RuntimeDefaultCapabilities()), " ")
              << "); container guard scenario: "
              << (config.exec_namespaces == 0
                      ? std::string("none")
                      : absl::StrCat("the ", kClientNamespace,
                                     " policy with containers: {privileged: deny, "
                                     "allowedCapabilities: [], hostNamespaces: deny}"))
              << (config.exec_everywhere ? "; exec load in every scenario" : "") << std::endl;
  }
  absl::StatusOr<std::vector<ScenarioResults>> results =
      RunBenchmark(config, stop_requested, std::cout);
  if (!results.ok()) {
    std::cerr << "nsfence-bench: " << results.status().message() << "\n";
    return 1;
  }
  std::cout << "\n";
  PrintReport(*results, std::cout);
  return 0;
}

}  // namespace
}  // namespace nsfence::bench

int main(int argc, char** argv) { return nsfence::bench::Main(argc, argv); }
