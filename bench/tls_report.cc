#include "tls_report.h"

#include <algorithm>
#include <functional>
#include <string>

#include "absl/strings/str_format.h"
#include "figures_per_round.h"
#include "round_stats.h"

namespace nsfence::bench {
namespace {


// One TLS workload's column of the tables.
struct Column {
  const char* title;  // of its figure
  const char* per;    // what its datapath cost is per
  Workload workload;
  Figure figure;
  double target;
};

const Column kColumns[] = {
    {"TLS 1.3 hs/s", "TLS 1.3 handshake", Workload::kTls13Handshakes,
     [](const LoadFigures& f) { return f.tls13_handshakes_per_second; }, kTargetTlsHandshakeRatio},
    {"TLS 1.2 hs/s", "TLS 1.2 handshake", Workload::kTls12Handshakes,
     [](const LoadFigures& f) { return f.tls12_handshakes_per_second; }, kTargetTlsHandshakeRatio},
    {"bulk MB/s", "MB of bulk", Workload::kTlsBulk,
     [](const LoadFigures& f) { return f.tls_bulk_mb_per_second; }, kTargetTlsBulkRatio},
};

// The programs of the TLS floor itself.
constexpr char kTlsProgramPrefix[] = "nsf_tls_";


std::vector<const ScenarioResults*> TlsScenarios(const std::vector<ScenarioResults>& scenarios) {
  std::vector<const ScenarioResults*> tls;
  for (const ScenarioResults& s : scenarios) {
    if (s.tls_load && !s.rounds.empty()) tls.push_back(&s);
  }
  return tls;
}

// The no-agent scenario when it ran TLS; nullptr otherwise.
const ScenarioResults* Baseline(const std::vector<ScenarioResults>& scenarios) {
  if (scenarios.empty()) return nullptr;
  const ScenarioResults& base = scenarios.front();
  return !base.namespaces && base.tls_load && !base.rounds.empty() ? &base : nullptr;
}

// A figure of one metered round, from its datapath and load figures.
using RoundFigure = std::function<double(const WorkloadDatapath&, const LoadFigures&)>;

std::vector<double> PerMeteredRound(const ScenarioResults& s, Workload workload,
                                    const RoundFigure& figure) {
  std::vector<double> values;
  const size_t rounds = std::min(s.datapath.size(), s.rounds.size());
  for (size_t i = 0; i < rounds; ++i) {
    const auto part = s.datapath[i].find(workload);
    if (part != s.datapath[i].end()) values.push_back(figure(part->second, s.rounds[i]));
  }
  return values;
}

// All programs' run time per operation; with `prefix`, those programs only.
RoundFigure Cost(const char* prefix = "") {
  return [prefix](const WorkloadDatapath& part, const LoadFigures&) {
    return BpfNanosecondsPerOperation(part, prefix);
  };
}

// Of the measured time of one operation.
RoundFigure Share(Workload workload) {
  return [workload](const WorkloadDatapath& part, const LoadFigures& f) {
    const double time = NanosecondsPerOperation(f, workload);
    return time > 0 ? BpfNanosecondsPerOperation(part) / time : 0;
  };
}

std::vector<const ScenarioResults*> Metered(const std::vector<ScenarioResults>& scenarios) {
  std::vector<const ScenarioResults*> metered;
  for (const ScenarioResults* s : TlsScenarios(scenarios)) {
    if (s->namespaces && !s->datapath.empty()) metered.push_back(s);
  }
  return metered;
}

void PrintPerRound(const Column& column, const std::vector<const ScenarioResults*>& tls,
                   std::ostream& out) {
  out << "per round, " << column.title << " (spread = (max - min) / median):\n";
  for (const ScenarioResults* s : tls) {
    out << absl::StrFormat("  %-18s", s->label);
    const std::vector<double> values = PerRound(*s, column.figure);
    for (double v : values) out << absl::StrFormat(" %9.0f", v);
    out << "   spread " << SpreadText(values) << "\n";
  }
}

}  // namespace

void PrintTlsFigures(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const std::vector<const ScenarioResults*> tls = TlsScenarios(scenarios);
  if (tls.empty()) return;
  const ScenarioResults* base = Baseline(scenarios);
  const LoadFigures& any = tls.front()->rounds.front();
  out << absl::StrFormat(
      "\nTLS, OpenSSL %s; the client verifies the server's self-signed ECDSA P-256\n"
      "certificate, its name included, and sends SNI:\n"
      "  handshakes: a new TCP connection each, full handshakes (no tickets, no session\n"
      "    cache): %s %s, %s %s\n"
      "  bulk: one %s connection (%s), %d-byte writes;\n"
      "    MB = 10^6 bytes of application data\n",
      any.tls13.openssl, any.tls13.version, any.tls13.cipher, any.tls12.version, any.tls12.cipher,
      any.tls_bulk.version, any.tls_bulk.cipher, any.tls_bulk_write_bytes);
  out << absl::StrFormat("%-18s", "scenario");
  for (const Column& column : kColumns)
    out << absl::StrFormat(" | %12s %7s", column.title, "ratio");
  out << "\n";
  for (const ScenarioResults* s : tls) {
    out << absl::StrFormat("%-18s", s->label);
    for (const Column& column : kColumns) {
      const double value = MedianOf(*s, column.figure);
      out << absl::StrFormat(" | %12.0f %7s", value,
                             base != nullptr ? Ratio(value, MedianOf(*base, column.figure)) : "-");
    }
    out << "\n";
  }
  out << "(medians over rounds; ratios against no agent, below 1 is slower)\n\n";
  for (const Column& column : kColumns) PrintPerRound(column, tls, out);
}

void PrintTlsDatapath(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const std::vector<const ScenarioResults*> metered = Metered(scenarios);
  if (metered.empty()) return;
  out << "\nTLS datapath cost: all the agent's programs' run time per handshake or MB, and\n"
         "(tls) that of the TLS floor's own programs (nsf_tls_*); share: of the measured\n"
         "time of one (1 s / hs/s, 1 s / MB/s); medians and spreads over rounds:\n";
  out << absl::StrFormat("  %-20s %-18s %8s %7s %8s %7s %8s\n", "per", "scenario", "ns", "spread",
                         "share", "spread", "tls ns");
  for (const Column& column : kColumns) {
    const char* per = column.per;
    for (const ScenarioResults* s : metered) {
      const std::vector<double> cost = PerMeteredRound(*s, column.workload, Cost());
      const std::vector<double> share =
          PerMeteredRound(*s, column.workload, Share(column.workload));
      const std::vector<double> tls = PerMeteredRound(*s, column.workload, Cost(kTlsProgramPrefix));
      out << absl::StrFormat("  %-20s %-18s %8.0f %7s %7.3f%% %7s %8.0f\n", per, s->label,
                             Median(cost), SpreadText(cost), 100 * Median(share), SpreadText(share),
                             Median(tls));
      per = "";
    }
  }
}

bool PrintTlsVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const ScenarioResults* base = Baseline(scenarios);
  if (base == nullptr) return true;
  bool all_met = true;
  // The targets are for agents enforcing a TLS floor.
  for (const ScenarioResults* s : TlsScenarios(scenarios)) {
    if (!s->namespaces || !s->tls_floor) continue;
    for (const Column& column : kColumns) {
      const double base_value = MedianOf(*base, column.figure);
      const double ratio = base_value > 0 ? MedianOf(*s, column.figure) / base_value : 0;
      const bool met = ratio >= column.target;
      all_met = all_met && met;
      out << absl::StrFormat(
          "  %-18s %-12s %.3fx of no agent (target >= %.2fx; round spreads %s and %s): %s\n",
          s->label, column.title, ratio, column.target, SpreadText(PerRound(*s, column.figure)),
          SpreadText(PerRound(*base, column.figure)), met ? "MET" : "MISSED");
    }
    if (s->datapath.empty()) continue;
    std::string costs;
    for (const Column& column : kColumns) {
      const double cost = Median(PerMeteredRound(*s, column.workload, Cost()));
      const double share = Median(PerMeteredRound(*s, column.workload, Share(column.workload)));
      const double tls = Median(PerMeteredRound(*s, column.workload, Cost(kTlsProgramPrefix)));
      absl::StrAppendFormat(&costs, "%s%s %.0f ns (%.3f%%, tls %.0f ns)", costs.empty() ? "" : "; ",
                            column.per, cost, 100 * share, tls);
    }
    out << absl::StrFormat("  %-18s datapath cost per %s\n", s->label, costs);
  }
  return all_met;
}

}  // namespace nsfence::bench
