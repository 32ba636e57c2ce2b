// Everything measured for one scenario (no agent, or an agent of one size,
// with or without a TLS floor, or with the container guard) over the rounds
// of a benchmark.
#ifndef NSFENCE_BENCH_SCENARIO_RESULTS_H_
#define NSFENCE_BENCH_SCENARIO_RESULTS_H_

#include <optional>
#include <string>
#include <vector>

#include "agent_run.h"
#include "cpu_meter.h"
#include "datapath_figures.h"
#include "load_figures.h"

namespace nsfence::bench {

struct ScenarioResults {
  std::string label;
  // Namespaces in the agent's inventory; nullopt: no agent.
  std::optional<int> namespaces;
  // The measured namespaces' policies set a TLS floor.
  bool tls_floor = false;
  // The client namespace's policy has a `containers` section: the agent
  // judges every exec in the client pod (the exec guard scenario).
  bool container_guard = false;
  // The network workloads ran (all but the container guard scenario: its
  // guard would stop the privileged load clients the client pod runs).
  bool network_load = true;
  // The TLS workloads ran too (their figures in `rounds` and `datapath`).
  bool tls_load = false;
  // The exec loop ran too.
  bool exec_load = false;
  std::vector<LoadFigures> rounds;
  // CPU use during each round's measurement.
  std::vector<CpuUse> cpu;
  // What the agent's programs cost in each round; empty without an agent
  // or without BPF run-time statistics.
  std::vector<DatapathFigures> datapath;
  std::vector<AgentStartup> startups;
  std::vector<AgentStop> stops;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_SCENARIO_RESULTS_H_
