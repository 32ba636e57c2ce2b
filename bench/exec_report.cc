#include "exec_report.h"

#include <algorithm>
#include <functional>
#include <string>

#include "absl/strings/str_format.h"
#include "figures_per_round.h"
#include "round_stats.h"

namespace nsfence::bench {
namespace {

// The agent pins its exec program's link under this name (tracepoint and
// BPF LSM backend alike); the program's own name tells which runs.
constexpr char kExecLink[] = "nsf_exec";

const Figure kExecs = [](const LoadFigures& f) { return f.execs_per_second; };

std::vector<const ScenarioResults*> ExecScenarios(const std::vector<ScenarioResults>& scenarios) {
  std::vector<const ScenarioResults*> exec;
  for (const ScenarioResults& s : scenarios) {
    if (s.exec_load && !s.rounds.empty()) exec.push_back(&s);
  }
  return exec;
}

// The no-agent scenario when it ran the exec loop; nullptr otherwise.
const ScenarioResults* Baseline(const std::vector<ScenarioResults>& scenarios) {
  if (scenarios.empty()) return nullptr;
  const ScenarioResults& base = scenarios.front();
  return !base.namespaces && base.exec_load && !base.rounds.empty() ? &base : nullptr;
}

// A figure of one metered round, from the exec loop's datapath part and
// the round's load figures.
using RoundFigure = std::function<double(const WorkloadDatapath&, const LoadFigures&)>;

std::vector<double> PerMeteredRound(const ScenarioResults& s, const RoundFigure& figure) {
  std::vector<double> values;
  const size_t rounds = std::min(s.datapath.size(), s.rounds.size());
  for (size_t i = 0; i < rounds; ++i) {
    const auto part = s.datapath[i].find(Workload::kExecLoop);
    if (part != s.datapath[i].end()) values.push_back(figure(part->second, s.rounds[i]));
  }
  return values;
}

double MedianOf(const ScenarioResults& s, const RoundFigure& figure) {
  return Median(PerMeteredRound(s, figure));
}

// Whether any round metered the exec loop.
bool Metered(const ScenarioResults& s) {
  return std::any_of(s.datapath.begin(), s.datapath.end(),
                     [](const DatapathFigures& d) { return d.contains(Workload::kExecLoop); });
}

ProgramCounters ExecCounters(const WorkloadDatapath& part) {
  const auto it = part.programs.find(kExecLink);
  return it == part.programs.end() ? ProgramCounters{} : it->second;
}

// All programs' run time per exec.
const RoundFigure kCost = [](const WorkloadDatapath& part, const LoadFigures&) {
  return BpfNanosecondsPerOperation(part);
};
// The exec program's run time per exec.
const RoundFigure kExecProgramCost = [](const WorkloadDatapath& part, const LoadFigures&) {
  return part.operations > 0 ? static_cast<double>(ExecCounters(part).run_time_ns) / part.operations
                             : 0;
};
// The exec program's calls per exec: 1, plus the execs of other work on the node.
const RoundFigure kExecProgramCalls = [](const WorkloadDatapath& part, const LoadFigures&) {
  return CallsPerOperation(ExecCounters(part), part.operations);
};
// All programs' run time as a share of the measured time of one exec.
const RoundFigure kShare = [](const WorkloadDatapath& part, const LoadFigures& f) {
  const double time = NanosecondsPerOperation(f, Workload::kExecLoop);
  return time > 0 ? BpfNanosecondsPerOperation(part) / time : 0;
};

// The name of the program behind the exec link ("nsf_exec_tp" or
// "nsf_exec_lsm"); the link's name when no round metered it.
std::string ExecProgramName(const std::vector<const ScenarioResults*>& exec) {
  for (const ScenarioResults* s : exec) {
    for (const DatapathFigures& round : s->datapath) {
      const auto part = round.find(Workload::kExecLoop);
      if (part == round.end()) continue;
      std::string name = ExecCounters(part->second).prog_name;
      if (!name.empty()) return name;
    }
  }
  return kExecLink;
}

void PrintPerRound(const char* title, const std::vector<const ScenarioResults*>& exec,
                   const std::function<std::vector<double>(const ScenarioResults&)>& values_of,
                   std::ostream& out) {
  out << "per round, " << title << " (spread = (max - min) / median):\n";
  for (const ScenarioResults* s : exec) {
    const std::vector<double> values = values_of(*s);
    if (values.empty()) continue;
    out << absl::StrFormat("  %-18s", s->label);
    for (double v : values) out << absl::StrFormat(" %9.0f", v);
    out << "   spread " << SpreadText(values) << "\n";
  }
}

}  // namespace

void PrintExecFigures(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const std::vector<const ScenarioResults*> exec = ExecScenarios(scenarios);
  if (exec.empty()) return;
  const ScenarioResults* base = Baseline(scenarios);
  const std::string program = ExecProgramName(exec);
  const std::string program_column = program + " ns/exec";
  out << "\nexec: fork + execve(/bin/true) + waitpid, one after the other, from a worker in\n"
         "the client pod placed like a container process (the pod's cgroup and network\n"
         "namespace; mount, pid and IPC namespaces of its own; the runtime default bounding\n"
         "set); under the container guard every exec is judged and allowed. BPF: the agent's\n"
         "programs' run time while the loop ran, per exec (kernel BPF run-time statistics;\n"
         "warm-up included); share: of the measured time of one exec (1 s / exec/s):\n";
  out << absl::StrFormat("%-18s | %9s %7s | %20s %10s | %15s %7s\n", "scenario", "exec/s", "ratio",
                         program_column, "calls/exec", "all BPF ns/exec", "share");
  for (const ScenarioResults* s : exec) {
    const double value = MedianOf(*s, kExecs);
    out << absl::StrFormat("%-18s | %9.0f %7s", s->label, value,
                           base != nullptr ? Ratio(value, MedianOf(*base, kExecs)) : "-");
    if (Metered(*s)) {
      out << absl::StrFormat(" | %20.0f %10.2f | %15.0f %6.3f%%\n", MedianOf(*s, kExecProgramCost),
                             MedianOf(*s, kExecProgramCalls), MedianOf(*s, kCost),
                             100 * MedianOf(*s, kShare));
    } else {
      out << absl::StrFormat(" | %20s %10s | %15s %7s\n", "-", "-", "-", "-");
    }
  }
  out << "(medians over rounds; ratios against no agent, below 1 is slower; calls/exec above 1:\n"
         "other work on the node exec'd meanwhile, every exec runs "
      << program << ")\n\n";
  PrintPerRound(
      "exec/s", exec, [](const ScenarioResults& s) { return PerRound(s, kExecs); }, out);
  PrintPerRound(
      "all BPF ns per exec", exec,
      [](const ScenarioResults& s) { return PerMeteredRound(s, kCost); }, out);
}

bool PrintExecVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const ScenarioResults* base = Baseline(scenarios);
  if (base == nullptr) return true;
  const std::vector<const ScenarioResults*> exec = ExecScenarios(scenarios);
  const std::string program = ExecProgramName(exec);
  bool all_met = true;
  for (const ScenarioResults* s : exec) {
    if (!s->namespaces) continue;
    const double base_value = MedianOf(*base, kExecs);
    const double ratio = base_value > 0 ? MedianOf(*s, kExecs) / base_value : 0;
    const std::string spreads =
        absl::StrFormat("round spreads %s and %s", SpreadText(PerRound(*s, kExecs)),
                        SpreadText(PerRound(*base, kExecs)));
    // The target is for pods the guard governs.
    if (s->container_guard) {
      const bool met = ratio >= kTargetExecRatio;
      all_met = all_met && met;
      out << absl::StrFormat("  %-18s exec/s %.3fx of no agent (target >= %.2fx; %s): %s\n",
                             s->label, ratio, kTargetExecRatio, spreads, met ? "MET" : "MISSED");
    } else {
      out << absl::StrFormat(
          "  %-18s exec/s %.3fx of no agent (%s; the pod is not governed for containers)\n",
          s->label, ratio, spreads);
    }
    if (!Metered(*s)) continue;
    out << absl::StrFormat(
        "  %-18s datapath cost per exec: %.0f ns (%s %.0f ns, %.2f calls/exec) = %.3f%% of an "
        "exec at %.0f exec/s\n",
        s->label, MedianOf(*s, kCost), program, MedianOf(*s, kExecProgramCost),
        MedianOf(*s, kExecProgramCalls), 100 * MedianOf(*s, kShare), MedianOf(*s, kExecs));
  }
  return all_met;
}

}  // namespace nsfence::bench
