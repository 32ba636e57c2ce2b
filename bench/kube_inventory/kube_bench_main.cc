// nsfence-kube-bench: how fast the agent fed by a Kubernetes API server puts
// a new pod under its namespace's policy, and whether it stays right and
// bounded under namespace and pod churn. See kube_rig.h for the node,
// latency_run.h and churn_run.h for the measurements, kube_report.h for
// the tables and the checks.
//
// Everything runs on a private testbed (network namespaces, veth pairs, a
// bridge and cgroups of its own) against a fake API server on 127.0.0.1;
// the agent is confined to the testbed's kubepods root and a private bpffs
// directory. Run as root; without root it exits 77 (a skip for ctest)
// unless NSFENCE_REQUIRE_KERNEL_TESTS=1, which makes that a failure.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "churn_run.h"
#include "kube_bench_options.h"
#include "kube_report.h"
#include "kube_rig.h"
#include "latency_run.h"
#include "support/kernel_test.h"

namespace nsfence::bench {
namespace {

constexpr int kSkipped = 77;
constexpr char kProgram[] = "nsfence-kube-bench";

std::atomic<bool> stop_requested{false};

void RequestStop(int /*signal*/) { stop_requested = true; }

// The last lines of the agent's log, for a failure message.
std::string Tail(const std::string& text, size_t lines) {
  size_t at = text.size();
  for (size_t n = 0; at > 0 && n <= lines; ++n) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
  }
  return text.substr(at + 1);
}

int Fail(const std::string& message, const KubeRig* rig) {
  std::cerr << kProgram << ": " << message << "\n";
  if (rig != nullptr) std::cerr << "the agent's log ends:\n" << Tail(rig->AgentLog(), 30);
  return 1;
}

int Main(int argc, char** argv) {
  absl::StatusOr<KubeBenchOptions> options = ParseKubeBenchArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << kProgram << ": " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << KubeBenchUsage();
    return 0;
  }
  if (const std::string blocker = nsfence::testing::KernelTestBlocker(); !blocker.empty()) {
    const bool required = nsfence::testing::KernelTestsRequired();
    std::cerr << kProgram << ": cannot run: " << blocker
              << " (it creates network namespaces and cgroups and runs the agent)"
              << (required ? "; NSFENCE_REQUIRE_KERNEL_TESTS=1: failing" : "; skipped") << "\n";
    return required ? 1 : kSkipped;
  }
  // Stop between samples and pods, so that the agent and the testbed are
  // torn down.
  signal(SIGINT, RequestStop);
  signal(SIGTERM, RequestStop);
  const KubeBenchConfig& config = options->config;
  std::cout << kProgram << ": " << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs; latency: "
            << (config.latency ? absl::StrCat(config.samples, " samples of each kind") : std::string("skipped"))
            << "; churn: "
            << (config.churn ? absl::StrCat(config.churn_rate, " namespaces/s for ",
                                            absl::FormatDuration(config.churn_duration), ", sandbox ",
                                            absl::FormatDuration(config.sandbox))
                             : std::string("skipped"))
            << std::endl;

  absl::StatusOr<std::unique_ptr<KubeRig>> rig = KubeRig::Start(config, std::cout);
  if (!rig.ok()) return Fail(rig.status().ToString(), nullptr);
  std::optional<LatencyResult> latency;
  if (config.latency) {
    absl::StatusOr<LatencyResult> measured = RunLatency(**rig, config, stop_requested, std::cout);
    if (!measured.ok()) return Fail(absl::StrCat("latency: ", measured.status().ToString()), rig->get());
    latency = *std::move(measured);
    if (!config.samples_out.empty()) {
      if (absl::Status written = WriteSamples(*latency, config.samples_out); !written.ok()) {
        return Fail(written.ToString(), rig->get());
      }
    }
  }
  std::optional<ChurnResult> churn;
  if (config.churn) {
    absl::StatusOr<ChurnResult> measured = RunChurn(**rig, config, stop_requested, std::cout);
    if (!measured.ok()) return Fail(absl::StrCat("churn: ", measured.status().ToString()), rig->get());
    churn = *std::move(measured);
  }
  std::vector<std::string> failures;
  if (latency) failures = LatencyFailures(*latency);
  if (churn) {
    for (std::string& f : ChurnFailures(*churn)) failures.push_back(std::move(f));
  }
  const std::string log = (*rig)->AgentLog();
  const std::string flags = (*rig)->agent_flags();
  if (absl::Status stopped = (*rig)->StopAgent(config.agent_log_copy); !stopped.ok()) {
    failures.push_back(std::string(stopped.message()));
  }
  rig->reset();  // the testbed, the API server, the work directory

  std::cout << "\nagent flags: " << flags << " (and this run's --kubeconfig, --cgroup-root, --bpffs, --admin-socket)\n";
  if (latency) {
    std::cout << "\n";
    PrintLatencyReport(*latency, config.target_p99, std::cout);
  }
  if (churn) {
    std::cout << "\n";
    PrintChurnReport(*churn, std::cout);
  }
  std::cout << "\n";
  if (failures.empty()) {
    std::cout << "checks: passed\n";
    return 0;
  }
  for (const std::string& f : failures) std::cout << "check failed: " << f << "\n";
  std::cerr << kProgram << ": " << failures.size() << " check(s) failed; the agent's log ends:\n" << Tail(log, 30);
  return 1;
}

}  // namespace
}  // namespace nsfence::bench

int main(int argc, char** argv) { return nsfence::bench::Main(argc, argv); }
