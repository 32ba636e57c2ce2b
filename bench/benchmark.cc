#include "benchmark.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "agent_inputs.h"
#include "agent_run.h"
#include "bench_policies.h"
#include "bench_topology.h"
#include "bpf_run_time_stats.h"
#include "common/status_macros.h"
#include "cpu_meter.h"
#include "datapath_meter.h"
#include "enforcement_probe.h"
#include "fillers.h"
#include "support/testbed/testbed.h"
#include "support/testbed/tool_paths.h"
#include "work_dir.h"

namespace nsfence::bench {
namespace {

using testbed::Pod;
using testbed::Testbed;

struct Scenario {
  ScenarioResults results;
  std::optional<AgentInputs> inputs;  // nullopt: no agent
};

std::string Describe(const LoadFigures& f) {
  return absl::StrFormat(
      "conn/s %7.0f   TCP rr p50 %6.1f p99 %6.1f us   UDP rr p50 %6.1f p99 %6.1f us",
      f.connections_per_second, f.tcp_rr.p50_us, f.tcp_rr.p99_us, f.udp_rr.p50_us, f.udp_rr.p99_us);
}

std::string DescribeExec(const LoadFigures& f) {
  return absl::StrFormat("exec/s %7.0f", f.execs_per_second);
}

std::string DescribeTls(const LoadFigures& f) {
  return absl::StrFormat("TLS 1.3 %6.0f hs/s   TLS 1.2 %6.0f hs/s   TLS bulk %6.0f MB/s",
                         f.tls13_handshakes_per_second, f.tls12_handshakes_per_second,
                         f.tls_bulk_mb_per_second);
}

// "connection loop 812 ns/connection, ..." over every workload.
std::string DescribeDatapath(const DatapathFigures& datapath) {
  std::string text;
  for (const auto& [workload, figures] : datapath) {
    absl::StrAppend(&text, text.empty() ? "" : ", ",
                    absl::StrFormat("%s %.0f ns/%s", WorkloadName(workload),
                                    BpfNanosecondsPerOperation(figures), OperationName(workload)));
  }
  return text;
}

absl::Status CheckExecutable(const std::string& path) {
  if (access(path.c_str(), X_OK) == 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(path, " is missing; build it first"));
}

class Session {
 public:
  Session(const BenchConfig& config, const std::atomic<bool>& stop_requested,
          std::ostream& progress)
      : config_(config), stop_requested_(stop_requested), progress_(progress) {}

  absl::Status Setup();
  absl::Status RunRound(int round);
  std::vector<ScenarioResults> TakeResults();

 private:
  absl::Status BuildTestbed();
  absl::Status PrepareScenarios();
  absl::Status WarmUp();
  // Whether this kernel keeps BPF run-time statistics for us.
  void CheckDatapathMetering();
  struct Measurement {
    LoadFigures figures;
    std::optional<DatapathFigures> datapath;
    CpuUse cpu;
  };

  // One scenario once: its agent started, the load measured, the agent stopped.
  absl::Status Measure(Scenario& scenario);
  // The load, measured again while other work disturbs it (up to the
  // configured attempts). With `agent`, its datapath is metered too.
  absl::StatusOr<Measurement> MeasureUndisturbed(const std::string& label,
                                                 const std::vector<Workload>& workloads,
                                                 const AgentRun* agent);
  // Where the load server writes its certificate; empty without TLS.
  std::string TlsCertPath() const;
  absl::Status AddAgentScenario(int namespaces, bool tls_floor, bool container_guard);
  // Returns when the CPUs are quiet, or after the quiet timeout.
  absl::Status WaitForQuiet();

  const BenchConfig& config_;
  const std::atomic<bool>& stop_requested_;
  std::ostream& progress_;
  const std::string bin_dir_ = testbed::DefaultBinDir();
  std::string agent_binary_;
  // Destroyed in reverse: the load server before the pods it runs in.
  std::optional<WorkDir> work_dir_;
  std::unique_ptr<Testbed> testbed_;
  Pod* client_ = nullptr;
  Pod* server_ = nullptr;
  std::optional<LoadRunner> load_;
  std::optional<CpuMeter> cpu_meter_;
  std::vector<Scenario> scenarios_;
  bool datapath_metering_ = false;
};

absl::Status Session::Setup() {
  NSF_RETURN_IF_ERROR(CheckExecutable(bin_dir_ + "/nsfence-agent"));
  NSF_RETURN_IF_ERROR(CheckExecutable(bin_dir_ + "/nsfence-bench-load"));
  NSF_ASSIGN_OR_RETURN(WorkDir work_dir, WorkDir::Create());
  work_dir_.emplace(std::move(work_dir));
  // Every scenario runs the same agent, even if the build changes meanwhile.
  NSF_ASSIGN_OR_RETURN(agent_binary_, work_dir_->Snapshot(bin_dir_ + "/nsfence-agent"));
  CheckDatapathMetering();
  NSF_RETURN_IF_ERROR(BuildTestbed());
  cpu_meter_.emplace(testbed_->cgroup_root());
  NSF_RETURN_IF_ERROR(PrepareScenarios());
  load_.emplace(*client_, *server_, bin_dir_ + "/nsfence-bench-load", config_.load, TlsCertPath());
  NSF_RETURN_IF_ERROR(load_->StartServer());
  return WarmUp();
}

std::string Session::TlsCertPath() const {
  return config_.tls ? work_dir_->path() + "/tls-server-cert.pem" : "";
}

void Session::CheckDatapathMetering() {
  const absl::StatusOr<BpfRunTimeStats> stats = BpfRunTimeStats::Enable();
  datapath_metering_ = stats.ok();
  if (datapath_metering_) {
    progress_ << "datapath: BPF run-time statistics on while agent scenarios' load runs\n";
  } else {
    progress_ << "datapath: not metered, wall-clock figures only (" << stats.status().message()
              << ")\n";
  }
}

absl::Status Session::BuildTestbed() {
  NSF_ASSIGN_OR_RETURN(testbed_, Testbed::Create({.bin_dir = bin_dir_}));
  const Labels measured = {{kRoleLabel, "measured"}};
  NSF_RETURN_IF_ERROR(testbed_->AddNamespace(kClientNamespace, measured));
  NSF_RETURN_IF_ERROR(testbed_->AddNamespace(kServerNamespace, measured));
  NSF_ASSIGN_OR_RETURN(client_, testbed_->AddPod(kClientNamespace, kClientPod));
  NSF_ASSIGN_OR_RETURN(server_, testbed_->AddPod(kServerNamespace, kServerPod));
  progress_ << "testbed: " << kClientNamespace << "/" << kClientPod << " "
            << client_->ipv4().ToString() << " -> " << kServerNamespace << "/" << kServerPod << " "
            << server_->ipv4().ToString() << ", cgroup root " << testbed_->cgroup_root() << "\n";
  return absl::OkStatus();
}

absl::Status Session::PrepareScenarios() {
  scenarios_.push_back(
      {.results = {.label = "no agent", .tls_load = config_.tls, .exec_load = config_.exec}});
  for (int count : config_.namespace_counts) {
    NSF_RETURN_IF_ERROR(AddAgentScenario(count, false, false));
  }
  if (config_.tls && config_.tls_everywhere) {
    for (Scenario& scenario : scenarios_) scenario.results.tls_load = true;
  }
  const int smallest = config_.namespace_counts.empty()
                           ? 0
                           : *std::min_element(config_.namespace_counts.begin(),
                                               config_.namespace_counts.end());
  if (config_.tls && smallest > 0) {
    const int count = config_.tls_namespaces.value_or(smallest);
    if (count > 0) NSF_RETURN_IF_ERROR(AddAgentScenario(count, true, false));
  }
  if (config_.exec && config_.exec_everywhere) {
    for (Scenario& scenario : scenarios_) scenario.results.exec_load = true;
  }
  if (config_.exec && smallest > 0) {
    const int count = config_.exec_namespaces.value_or(smallest);
    if (count > 0) NSF_RETURN_IF_ERROR(AddAgentScenario(count, false, true));
  }
  return absl::OkStatus();
}

absl::Status Session::AddAgentScenario(int namespaces, bool tls_floor, bool container_guard) {
  const absl::Time start = absl::Now();
  NSF_ASSIGN_OR_RETURN(AgentInputs inputs, WriteAgentInputs(*testbed_, namespaces, tls_floor,
                                                            container_guard, work_dir_->path()));
  progress_ << absl::StrFormat(
      "inputs for %d namespaces (%d policies%s%s, %d filler pods) written in %.2f s\n", namespaces,
      inputs.policies, tls_floor ? absl::StrCat(", TLS floor ", kBenchTlsFloor) : "",
      container_guard ? absl::StrCat(", containers section on ", kClientNamespace) : "",
      namespaces - kMeasuredNamespaces, absl::ToDoubleSeconds(absl::Now() - start));
  const char* kind = tls_floor ? "agent+TLS, " : container_guard ? "agent+exec, " : "agent, ";
  scenarios_.push_back({.results = {.label = absl::StrCat(kind, namespaces, " ns"),
                                    .namespaces = namespaces,
                                    .tls_floor = tls_floor,
                                    .container_guard = container_guard,
                                    .network_load = !container_guard,
                                    .tls_load = tls_floor,
                                    .exec_load = container_guard},
                        .inputs = std::move(inputs)});
  return absl::OkStatus();
}

absl::Status Session::WarmUp() {
  // Neighbour tables, page cache and CPU frequency settle before round 1.
  LoadSettings settings = config_.load;
  settings.measured = absl::Milliseconds(500);
  settings.warmup = absl::ZeroDuration();
  LoadRunner warmup(*client_, *server_, bin_dir_ + "/nsfence-bench-load", settings, TlsCertPath());
  NSF_ASSIGN_OR_RETURN(LoadFigures figures,
                       warmup.Measure(WorkloadsOf(true, config_.tls, config_.exec)));
  progress_ << "warm-up: " << Describe(figures) << "\n";
  if (config_.exec) progress_ << "warm-up: " << DescribeExec(figures) << "\n";
  if (config_.tls) {
    progress_ << "warm-up: " << DescribeTls(figures) << " (" << figures.tls13.version << " "
              << figures.tls13.cipher << ", " << figures.tls12.version << " "
              << figures.tls12.cipher << "; OpenSSL " << figures.tls13.openssl << ")\n";
  }
  return absl::OkStatus();
}

absl::Status Session::Measure(Scenario& scenario) {
  ScenarioResults& results = scenario.results;
  std::optional<AgentRun> agent;
  if (scenario.inputs) {
    // Start-up times are measured too.
    NSF_RETURN_IF_ERROR(WaitForQuiet());
    NSF_ASSIGN_OR_RETURN(AgentRun started,
                         AgentRun::Start({.binary = agent_binary_,
                                          .cgroup_root = testbed_->cgroup_root(),
                                          .bpffs_dir = work_dir_->bpffs_dir(),
                                          .ready_timeout = config_.agent_ready_timeout},
                                         *scenario.inputs));
    agent.emplace(std::move(started));
    results.startups.push_back(agent->startup());
  }
  // Under the container guard the netprobe, privileged like every load
  // client, would be stopped at exec: that scenario checks the guard instead.
  absl::Status enforcement =
      results.network_load
          ? CheckEnforcement(*client_, *server_, testbed_->tools().netprobe, agent.has_value())
          : absl::OkStatus();
  if (enforcement.ok() && results.tls_load) {
    absl::StatusOr<std::string> probe = CheckTlsFloor(*load_, results.tls_floor);
    if (probe.ok()) {
      progress_ << absl::StrFormat("  %-18s TLS floor probe, a TLS 1.1 handshake: %s\n",
                                   results.label, *probe);
    }
    enforcement = probe.status();
  }
  if (enforcement.ok() && results.exec_load) {
    absl::StatusOr<std::string> probe = CheckExecGuard(*load_, results.container_guard);
    if (probe.ok()) {
      progress_ << absl::StrFormat("  %-18s exec guard probe, a privileged exec: %s\n",
                                   results.label, *probe);
    }
    enforcement = probe.status();
  }
  absl::StatusOr<Measurement> measured =
      enforcement.ok()
          ? MeasureUndisturbed(
                results.label,
                WorkloadsOf(results.network_load, results.tls_load, results.exec_load),
                agent ? &*agent : nullptr)
          : enforcement;
  if (agent) {
    const AgentStop stop = agent->Stop();
    results.stops.push_back(stop);
    if (!stop.clean) {
      return absl::InternalError(
          absl::StrCat("the agent did not stop cleanly; its log:\n", agent->LogText()));
    }
  }
  if (!measured.ok()) return measured.status();
  results.rounds.push_back(measured->figures);
  results.cpu.push_back(measured->cpu);
  if (measured->datapath) results.datapath.push_back(*measured->datapath);
  progress_ << absl::StrFormat(
      "  %-18s %s   other CPU %3.0f%%", results.label,
      results.network_load ? Describe(measured->figures) : DescribeExec(measured->figures),
      100 * measured->cpu.others());
  if (agent) {
    progress_ << absl::StrFormat("   (ready in %.2f s, stopped in %.2f s)",
                                 absl::ToDoubleSeconds(agent->startup().to_ready),
                                 absl::ToDoubleSeconds(results.stops.back().took));
  }
  progress_ << "\n";
  if (results.tls_load) {
    progress_ << absl::StrFormat("  %-18s %s\n", "", DescribeTls(measured->figures));
  }
  if (results.exec_load && results.network_load) {
    progress_ << absl::StrFormat("  %-18s %s\n", "", DescribeExec(measured->figures));
  }
  if (measured->datapath) {
    progress_ << absl::StrFormat("  %-18s datapath %s\n", "",
                                 DescribeDatapath(*measured->datapath));
  }
  progress_ << std::flush;
  return absl::OkStatus();
}

absl::StatusOr<Session::Measurement> Session::MeasureUndisturbed(
    const std::string& label, const std::vector<Workload>& workloads, const AgentRun* agent) {
  std::optional<std::string> links_dir;
  if (agent != nullptr && datapath_metering_) links_dir = agent->links_dir();
  for (int attempt = 1;; ++attempt) {
    NSF_RETURN_IF_ERROR(WaitForQuiet());
    NSF_ASSIGN_OR_RETURN(const CpuCounters before, cpu_meter_->Read());
    NSF_ASSIGN_OR_RETURN(MeteredLoad load, MeasureMeteredLoad(*load_, workloads, links_dir));
    NSF_ASSIGN_OR_RETURN(const CpuCounters after, cpu_meter_->Read());
    const CpuUse use = UseBetween(before, after);
    if (use.others() <= config_.quiet_threshold || attempt >= config_.attempts) {
      return Measurement{.figures = load.figures, .datapath = std::move(load.datapath), .cpu = use};
    }
    progress_ << absl::StrFormat(
                     "  %-18s disturbed (%.0f%% of the CPUs busy outside the pods), measuring "
                     "again",
                     label, 100 * use.others())
              << std::endl;
    if (stop_requested_) return absl::CancelledError("interrupted");
  }
}

absl::Status Session::WaitForQuiet() {
  constexpr absl::Duration kWindow = absl::Milliseconds(500);
  if (config_.quiet_timeout <= absl::ZeroDuration()) return absl::OkStatus();
  const absl::Time give_up = absl::Now() + config_.quiet_timeout;
  bool waited = false;
  for (;;) {
    NSF_ASSIGN_OR_RETURN(const CpuUse use, cpu_meter_->Sample(kWindow));
    if (use.others() <= config_.quiet_threshold) {
      if (waited) progress_ << " quiet" << std::endl;
      return absl::OkStatus();
    }
    if (absl::Now() >= give_up) {
      progress_ << absl::StrFormat(" still %.0f%% busy after %s, going ahead", 100 * use.others(),
                                   absl::FormatDuration(config_.quiet_timeout))
                << std::endl;
      return absl::OkStatus();
    }
    if (!waited) {
      progress_ << absl::StrFormat("  waiting for other work to leave the CPUs (%.0f%% busy)...",
                                   100 * use.others())
                << std::flush;
      waited = true;
    }
    if (stop_requested_) return absl::CancelledError("interrupted");
  }
}

absl::Status Session::RunRound(int round) {
  progress_ << "round " << round + 1 << "/" << config_.rounds << "\n";
  // Round r starts with scenario r (mod count).
  std::vector<Scenario*> order;
  for (Scenario& s : scenarios_) order.push_back(&s);
  std::rotate(order.begin(), order.begin() + round % order.size(), order.end());
  for (Scenario* scenario : order) {
    if (stop_requested_) return absl::CancelledError("interrupted");
    NSF_RETURN_IF_ERROR(Measure(*scenario));
  }
  return absl::OkStatus();
}

std::vector<ScenarioResults> Session::TakeResults() {
  std::vector<ScenarioResults> results;
  for (Scenario& s : scenarios_) results.push_back(std::move(s.results));
  return results;
}

}  // namespace

absl::StatusOr<std::vector<ScenarioResults>> RunBenchmark(const BenchConfig& config,
                                                          const std::atomic<bool>& stop_requested,
                                                          std::ostream& progress) {
  Session session(config, stop_requested, progress);
  NSF_RETURN_IF_ERROR(session.Setup());
  for (int round = 0; round < config.rounds; ++round) {
    NSF_RETURN_IF_ERROR(session.RunRound(round));
  }
  return session.TakeResults();
}

}  // namespace nsfence::bench
