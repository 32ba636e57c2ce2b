#include "datapath_report.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "round_stats.h"

namespace nsfence::bench {
namespace {

// A figure of one round, from that round's datapath and load figures.
using RoundFigure = std::function<double(const DatapathFigures&, const LoadFigures&)>;

std::vector<double> PerRound(const ScenarioResults& s, const RoundFigure& figure) {
  std::vector<double> values;
  const size_t rounds = std::min(s.datapath.size(), s.rounds.size());
  for (size_t i = 0; i < rounds; ++i) values.push_back(figure(s.datapath[i], s.rounds[i]));
  return values;
}

double MedianOf(const ScenarioResults& s, const RoundFigure& figure) {
  return Median(PerRound(s, figure));
}

// The workload's part of a round; empty when it was not metered.
const WorkloadDatapath& Part(const DatapathFigures& datapath, Workload workload) {
  static const WorkloadDatapath kNone;
  const auto it = datapath.find(workload);
  return it == datapath.end() ? kNone : it->second;
}

// The program's counters in a workload's part; zero when it has no link.
ProgramCounters Counters(const WorkloadDatapath& part, const std::string& program) {
  const auto it = part.programs.find(program);
  return it == part.programs.end() ? ProgramCounters{} : it->second;
}

RoundFigure CostPerOperation(Workload workload) {
  return [workload](const DatapathFigures& d, const LoadFigures&) {
    return BpfNanosecondsPerOperation(Part(d, workload));
  };
}

// The cost as a fraction of the measured time of one operation. A round in
// which the CPU runs slower (other guests on the host) makes both longer,
// so this moves less from round to round than the cost in ns.
RoundFigure ShareOfOperation(Workload workload) {
  return [workload](const DatapathFigures& d, const LoadFigures& f) {
    const double time = NanosecondsPerOperation(f, workload);
    return time > 0 ? BpfNanosecondsPerOperation(Part(d, workload)) / time : 0;
  };
}

// Relative change from `before` to `after`; 0 when `before` is.
double Change(double after, double before) { return before > 0 ? after / before - 1 : 0; }

std::string ChangeText(double change) { return absl::StrFormat("%+.1f%%", 100 * change); }

std::string SpreadText(const std::vector<double>& values) {
  return values.size() < 2 ? "n/a" : absl::StrFormat("%.1f%%", 100 * RelativeSpread(values));
}

const char* PerOperationHeader(Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return "/conn";
    case Workload::kTcpRequestResponse:
    case Workload::kUdpRequestResponse:
      return "/rt";
    case Workload::kTls13Handshakes:
    case Workload::kTls12Handshakes:
      return "/hs";
    case Workload::kTlsBulk:
      return "/MB";
    case Workload::kExecLoop:
      return "/exec";
  }
  return "/op";
}

std::vector<const ScenarioResults*> Metered(const std::vector<ScenarioResults>& scenarios) {
  std::vector<const ScenarioResults*> metered;
  for (const ScenarioResults& s : scenarios) {
    if (s.namespaces && !s.datapath.empty()) metered.push_back(&s);
  }
  return metered;
}

// Whether any round of `s` metered `workload`.
bool HasPart(const ScenarioResults& s, Workload workload) {
  return std::any_of(s.datapath.begin(), s.datapath.end(),
                     [workload](const DatapathFigures& d) { return d.contains(workload); });
}

// The metered scenarios that ran any of `workloads`.
std::vector<const ScenarioResults*> Running(const std::vector<const ScenarioResults*>& metered,
                                            const std::vector<Workload>& workloads) {
  std::vector<const ScenarioResults*> running;
  for (const ScenarioResults* s : metered) {
    if (std::any_of(workloads.begin(), workloads.end(),
                    [s](Workload w) { return HasPart(*s, w); })) {
      running.push_back(s);
    }
  }
  return running;
}

// The metered scenarios that ran the network workloads.
std::vector<const ScenarioResults*> NetworkMetered(const std::vector<ScenarioResults>& scenarios) {
  std::vector<const ScenarioResults*> network;
  for (const ScenarioResults* s : Metered(scenarios)) {
    if (s->network_load) network.push_back(s);
  }
  return network;
}

// Of the metered scenarios without a TLS floor (the size comparison), the
// ones with the fewest and the most namespaces; nullptr for none.
std::pair<const ScenarioResults*, const ScenarioResults*> SmallestAndLargest(
    const std::vector<const ScenarioResults*>& metered) {
  const ScenarioResults* smallest = nullptr;
  const ScenarioResults* largest = nullptr;
  for (const ScenarioResults* s : metered) {
    if (s->tls_floor || !s->network_load) continue;
    if (smallest == nullptr || *s->namespaces < *smallest->namespaces) smallest = s;
    if (largest == nullptr || *s->namespaces > *largest->namespaces) largest = s;
  }
  return {smallest, largest};
}

std::string Comparison(const ScenarioResults& largest, const ScenarioResults& smallest) {
  return absl::StrFormat("%d ns vs %d ns", *largest.namespaces, *smallest.namespaces);
}

std::set<std::string> ProgramNames(const ScenarioResults& s) {
  std::set<std::string> names;
  for (const DatapathFigures& round : s.datapath) {
    for (const auto& [workload, part] : round) {
      for (const auto& [name, counters] : part.programs) names.insert(name);
    }
  }
  return names;
}

void PrintProgramRow(const ScenarioResults& s, const std::string& program,
                     const std::vector<Workload>& workloads, std::ostream& out) {
  out << absl::StrFormat("    %-18s", program);
  for (Workload w : workloads) {
    const auto counters = [&](const DatapathFigures& d) { return Counters(Part(d, w), program); };
    const double calls = MedianOf(s, [&](const DatapathFigures& d, const LoadFigures&) {
      return static_cast<double>(counters(d).run_count);
    });
    const double per_operation = MedianOf(s, [&](const DatapathFigures& d, const LoadFigures&) {
      return CallsPerOperation(counters(d), Part(d, w).operations);
    });
    const double ns_per_call = MedianOf(s, [&](const DatapathFigures& d, const LoadFigures&) {
      return NanosecondsPerCall(counters(d));
    });
    if (calls > 0) {
      out << absl::StrFormat(" | %8.0f %5.2f %7.1f", calls, per_operation, ns_per_call);
    } else {
      out << absl::StrFormat(" | %8s %5s %7s", "0", "-", "-");
    }
  }
  out << "\n";
}

void PrintPrograms(const std::vector<const ScenarioResults*>& metered,
                   const std::vector<Workload>& workloads, std::ostream& out) {
  out << absl::StrFormat("  %-20s", "");
  for (Workload w : workloads) out << absl::StrFormat(" | %-22s", WorkloadName(w));
  out << absl::StrFormat("\n  %-20s", "program");
  for (Workload w : workloads) {
    out << absl::StrFormat(" | %8s %5s %7s", "calls", PerOperationHeader(w), "ns/call");
  }
  out << "\n";
  for (const ScenarioResults* s : metered) {
    out << "  " << s->label << "\n";
    for (const std::string& program : ProgramNames(*s)) {
      PrintProgramRow(*s, program, workloads, out);
    }
  }
}

void PrintCostPerOperation(const std::vector<const ScenarioResults*>& metered, std::ostream& out) {
  out << "\ndatapath cost per operation: all programs' run time per connection or round trip;\n"
         "share: of the measured time of one (1 s / conn/s, or the mean round trip);\n"
         "medians and spreads over rounds:\n";
  out << absl::StrFormat("  %-16s %-18s %8s %7s %8s %7s\n", "workload", "scenario", "ns/op",
                         "spread", "share", "spread");
  const auto [smallest, largest] = SmallestAndLargest(metered);
  for (Workload w : kNetworkWorkloads) {
    const char* workload_name = WorkloadName(w);
    for (const ScenarioResults* s : metered) {
      out << absl::StrFormat(
          "  %-16s %-18s %8.0f %7s %7.2f%% %7s\n", workload_name, s->label,
          MedianOf(*s, CostPerOperation(w)), SpreadText(PerRound(*s, CostPerOperation(w))),
          100 * MedianOf(*s, ShareOfOperation(w)), SpreadText(PerRound(*s, ShareOfOperation(w))));
      workload_name = "";
    }
    if (smallest != largest) {
      out << absl::StrFormat("  %-16s %-18s %8s %7s %8s\n", "", Comparison(*largest, *smallest),
                             ChangeText(Change(MedianOf(*largest, CostPerOperation(w)),
                                               MedianOf(*smallest, CostPerOperation(w)))),
                             "",
                             ChangeText(Change(MedianOf(*largest, ShareOfOperation(w)),
                                               MedianOf(*smallest, ShareOfOperation(w)))));
    }
  }
}

}  // namespace

void PrintDatapath(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const std::vector<const ScenarioResults*> metered = Metered(scenarios);
  if (metered.empty()) return;
  out << "\ndatapath: the agent's BPF programs while each workload ran (kernel BPF run-time\n"
         "statistics; medians over rounds; calls and operations include the clients' warm-up;\n"
         "the statistics add two clock reads to every call, in the figures above too):\n";
  const std::vector<const ScenarioResults*> network_metered = NetworkMetered(scenarios);
  const std::vector<Workload> network(kNetworkWorkloads.begin(), kNetworkWorkloads.end());
  const char* separator = "";
  if (!network_metered.empty()) {
    PrintPrograms(network_metered, network, out);
    separator = "\n";
  }
  const std::vector<Workload> tls(kTlsWorkloads.begin(), kTlsWorkloads.end());
  if (const std::vector<const ScenarioResults*> running = Running(metered, tls); !running.empty()) {
    out << separator;
    PrintPrograms(running, tls, out);
    separator = "\n";
  }
  // Every exec on the node runs the exec program, so calls per exec above 1
  // are other work's execs.
  const std::vector<Workload> exec(kExecWorkloads.begin(), kExecWorkloads.end());
  if (const std::vector<const ScenarioResults*> running = Running(metered, exec);
      !running.empty()) {
    out << separator;
    PrintPrograms(running, exec, out);
  }
  if (!network_metered.empty()) PrintCostPerOperation(network_metered, out);
}

void PrintDatapathVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const std::vector<const ScenarioResults*> metered = NetworkMetered(scenarios);
  if (metered.empty()) return;
  const auto [smallest, largest] = SmallestAndLargest(metered);
  const RoundFigure cost = CostPerOperation(Workload::kConnectionLoop);
  const RoundFigure share = ShareOfOperation(Workload::kConnectionLoop);
  for (const ScenarioResults* s : metered) {
    const double conn_per_s = MedianOf(
        *s, [](const DatapathFigures&, const LoadFigures& f) { return f.connections_per_second; });
    out << absl::StrFormat(
        "  %-18s datapath cost per connection: %.0f ns = %.2f%% of a connection at %.0f conn/s",
        s->label, MedianOf(*s, cost), 100 * MedianOf(*s, share), conn_per_s);
    if (s == largest && smallest != largest) {
      out << absl::StrFormat(
          "; %s: %s (round spreads %s and %s), as a share %s (spreads %s and %s)",
          Comparison(*largest, *smallest),
          ChangeText(Change(MedianOf(*largest, cost), MedianOf(*smallest, cost))),
          SpreadText(PerRound(*largest, cost)), SpreadText(PerRound(*smallest, cost)),
          ChangeText(Change(MedianOf(*largest, share), MedianOf(*smallest, share))),
          SpreadText(PerRound(*largest, share)), SpreadText(PerRound(*smallest, share)));
    }
    out << "\n";
  }
}

}  // namespace nsfence::bench
