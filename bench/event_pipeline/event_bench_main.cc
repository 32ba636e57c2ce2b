// nsfence-event-bench: how many violations a second the agent turns into
// JSON lines without losing any. A generator in a governed pod sends UDP
// datagrams to a denied peer, each a flow of its own, at a sweep of offered
// rates; the agent runs with aggregation and rate limits off, its stdout
// read and counted here. See event_sweep.h for the steps and
// event_report.h for the table and the knee.
//
// Everything runs on a private testbed (network namespaces, veth pairs, a
// bridge and cgroups of its own); the agent is confined to the testbed's
// cgroup root and a private bpffs directory. Run as root; without root it
// exits 77 (a skip for ctest) unless NSFENCE_REQUIRE_KERNEL_TESTS=1.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "event_bench_options.h"
#include "event_report.h"
#include "event_sweep.h"

namespace nsfence::bench {
namespace {

constexpr int kSkipped = 77;

std::atomic<bool> stop_requested{false};

void RequestStop(int /*signal*/) { stop_requested = true; }

bool KernelTestsRequired() {
  const char* required = std::getenv("NSFENCE_REQUIRE_KERNEL_TESTS");
  return required != nullptr && std::string(required) == "1";
}

int Main(int argc, char** argv) {
  absl::StatusOr<EventBenchOptions> options =
      ParseEventBenchArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "nsfence-event-bench: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << EventBenchUsage();
    return 0;
  }
  if (geteuid() != 0) {
    std::cerr << "nsfence-event-bench: needs root (it creates network namespaces and cgroups and "
                 "runs the agent)"
              << (KernelTestsRequired() ? "; NSFENCE_REQUIRE_KERNEL_TESTS=1: failing" : "; skipped")
              << "\n";
    return KernelTestsRequired() ? 1 : kSkipped;
  }
  // Stop between steps, so that the agent and the testbed are torn down.
  signal(SIGINT, RequestStop);
  signal(SIGTERM, RequestStop);
  const EventBenchConfig& config = options->config;
  std::vector<std::string> rates;
  for (double rate : config.rates) rates.push_back(RateName(rate));
  std::cout << "nsfence-event-bench: " << config.rounds << " round(s), steps of "
            << absl::ToDoubleSeconds(config.step)
            << " s at offered " << absl::StrJoin(rates, ", ") << " violations/s; "
            << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs; generator "
            << (config.generator_cpu < 0 ? std::string("not pinned")
                                         : "on CPU " + std::to_string(config.generator_cpu))
            << std::endl;
  absl::StatusOr<SweepResult> result = RunEventSweep(config, stop_requested, std::cout);
  if (!result.ok()) {
    std::cerr << "nsfence-event-bench: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << "\n";
  PrintEventReport(*result, std::cout);
  // Losses are figures; a count that does not add up, or output that is
  // not the events, is a failure.
  bool ok = result->problems.empty();
  for (const SweepStep& step : result->steps) {
    for (const StepFigures& round : step.rounds) ok = ok && round.accounted();
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace nsfence::bench

int main(int argc, char** argv) { return nsfence::bench::Main(argc, argv); }
