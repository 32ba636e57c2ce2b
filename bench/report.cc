#include "report.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datapath_report.h"
#include "exec_report.h"
#include "figures_per_round.h"
#include "round_stats.h"
#include "tls_report.h"

namespace nsfence::bench {
namespace {


const Figure kConnections = [](const LoadFigures& f) { return f.connections_per_second; };
const Figure kTcpP50 = [](const LoadFigures& f) { return f.tcp_rr.p50_us; };
const Figure kTcpP99 = [](const LoadFigures& f) { return f.tcp_rr.p99_us; };
const Figure kUdpP50 = [](const LoadFigures& f) { return f.udp_rr.p50_us; };
const Figure kUdpP99 = [](const LoadFigures& f) { return f.udp_rr.p99_us; };


std::string Percent(double fraction) { return absl::StrFormat("%+.1f%%", 100 * fraction); }

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

void PrintPerRound(const char* title, const Figure& figure, int decimals,
                   const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  out << "per round, " << title << " (spread = (max - min) / median):\n";
  for (const ScenarioResults& s : scenarios) {
    if (!s.network_load) continue;
    out << absl::StrFormat("  %-18s", s.label);
    for (double v : PerRound(s, figure)) out << absl::StrFormat(" %9.*f", decimals, v);
    out << "   spread " << SpreadText(PerRound(s, figure)) << "\n";
  }
}

void PrintFigures(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const ScenarioResults& base = scenarios.front();
  out << absl::StrFormat("%-18s %9s %7s | %8s %8s %7s | %8s %8s %7s\n", "", "TCP", "", "TCP rr", "",
                         "", "UDP rr", "", "");
  out << absl::StrFormat("%-18s %9s %7s | %8s %8s %7s | %8s %8s %7s\n", "scenario", "conn/s",
                         "ratio", "p50 us", "p99 us", "ratio", "p50 us", "p99 us", "ratio");
  for (const ScenarioResults& s : scenarios) {
    if (!s.network_load) continue;
    const double conn = MedianOf(s, kConnections);
    const double tcp50 = MedianOf(s, kTcpP50), udp50 = MedianOf(s, kUdpP50);
    out << absl::StrFormat("%-18s %9.0f %7s | %8.1f %8.1f %7s | %8.1f %8.1f %7s\n", s.label, conn,
                           Ratio(conn, MedianOf(base, kConnections)), tcp50, MedianOf(s, kTcpP99),
                           Ratio(tcp50, MedianOf(base, kTcpP50)), udp50, MedianOf(s, kUdpP99),
                           Ratio(udp50, MedianOf(base, kUdpP50)));
  }
  out << "(medians over rounds; latency ratios above 1 are slower)\n\n";

  PrintPerRound("conn/s", kConnections, 0, scenarios, out);
  PrintPerRound("TCP rr p50 us", kTcpP50, 1, scenarios, out);
  PrintPerRound("UDP rr p50 us", kUdpP50, 1, scenarios, out);
  out << "per round, CPU busy outside the pods (% of all CPUs; kernel threads included):\n";
  for (const ScenarioResults& s : scenarios) {
    out << absl::StrFormat("  %-18s", s.label);
    for (const CpuUse& use : s.cpu) out << absl::StrFormat(" %8.0f%%", 100 * use.others());
    out << "\n";
  }
}

// Measurements during which other work took a noticeable share of the CPUs.
int Disturbed(const std::vector<ScenarioResults>& scenarios, int* total) {
  int disturbed = 0;
  *total = 0;
  for (const ScenarioResults& s : scenarios) {
    for (const CpuUse& use : s.cpu) {
      ++*total;
      if (use.others() > kQuietThreshold) ++disturbed;
    }
  }
  return disturbed;
}

void PrintAgentTimes(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  out << "\nagent (medians over its starts; wall times from spawn, stop from SIGTERM to exit;\n"
         "CPU = user + system seconds of the agent process):\n";
  out << absl::StrFormat("  %-18s %8s %8s %8s %10s %10s %8s %7s\n", "scenario", "applied", "ready",
                         "stop", "start CPU", "idle CPU", "RSS MiB", "starts");
  for (const ScenarioResults& s : scenarios) {
    if (!s.namespaces || s.startups.empty()) continue;
    std::vector<double> applied, ready, start_cpu, rss, stop, idle_cpu;
    for (const AgentStartup& a : s.startups) {
      applied.push_back(Seconds(a.to_policy_applied));
      ready.push_back(Seconds(a.to_ready));
      start_cpu.push_back(a.cpu_seconds);
      rss.push_back(a.rss_kib / 1024.0);
    }
    int unclean = 0;
    for (const AgentStop& a : s.stops) {
      stop.push_back(Seconds(a.took));
      idle_cpu.push_back(a.cpu_seconds_while_ready);
      unclean += a.clean ? 0 : 1;
    }
    out << absl::StrFormat("  %-18s %6.3f s %6.3f s %6.3f s %8.2f s %8.2f s %8.1f %7d%s\n", s.label,
                           Median(applied), Median(ready), Median(stop), Median(start_cpu),
                           Median(idle_cpu), Median(rss), s.startups.size(),
                           unclean > 0 ? absl::StrCat("  (", unclean, " unclean stops)") : "");
    out << "    " << s.startups.front().applied_line << "\n";
  }
  out << "  (idle CPU: spent between ready and SIGTERM, while the load ran)\n";
}

// A difference this small counts as "the same" even when rounds agree more
// closely: the figures are medians of a few seconds of load on a shared VM.
constexpr double kSameWithin = 0.03;

void PrintVerdict(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  const ScenarioResults& base = scenarios.front();
  const double base_conn = MedianOf(base, kConnections);
  out << "\nverdict:\n";
  bool all_met = true;
  const ScenarioResults* smallest = nullptr;
  const ScenarioResults* largest = nullptr;
  for (const ScenarioResults& s : scenarios) {
    if (!s.namespaces || !s.network_load) continue;
    // The size comparison is between agents without a TLS floor.
    if (!s.tls_floor && (smallest == nullptr || *s.namespaces < *smallest->namespaces)) {
      smallest = &s;
    }
    if (!s.tls_floor && (largest == nullptr || *s.namespaces > *largest->namespaces)) {
      largest = &s;
    }
    const double ratio = base_conn > 0 ? MedianOf(s, kConnections) / base_conn : 0;
    const bool met = ratio >= kTargetConnectionRatio;
    all_met = all_met && met;
    out << absl::StrFormat(
        "  %-18s conn/s %.3fx of no agent (target >= %.2fx; round spreads %s and %s): %s\n",
        s.label, ratio, kTargetConnectionRatio, SpreadText(PerRound(s, kConnections)),
        SpreadText(PerRound(base, kConnections)), met ? "MET" : "MISSED");
  }
  if (smallest != nullptr && largest != smallest) {
    out << absl::StrFormat(
        "  %s against %s (the same when within the larger round-to-round spread of the "
        "two, or %.0f%%):\n",
        largest->label, smallest->label, 100 * kSameWithin);
    const bool rounds_known = smallest->rounds.size() > 1 && largest->rounds.size() > 1;
    for (const auto& [name, figure] : std::vector<std::pair<const char*, Figure>>{
             {"conn/s", kConnections}, {"TCP rr p50", kTcpP50}, {"UDP rr p50", kUdpP50}}) {
      const double change = MedianOf(*largest, figure) / MedianOf(*smallest, figure) - 1;
      const double noise = std::max(RelativeSpread(PerRound(*smallest, figure)),
                                    RelativeSpread(PerRound(*largest, figure)));
      const bool within = rounds_known && std::abs(change) <= std::max(noise, kSameWithin);
      out << absl::StrFormat("    %-11s %7s  noise %5s: %s\n", name, Percent(change),
                             rounds_known ? absl::StrFormat("%.1f%%", 100 * noise) : "n/a",
                             !rounds_known ? "UNKNOWN (one round gives no noise estimate)"
                                           : (within ? "WITHIN NOISE" : "OUTSIDE NOISE"));
      all_met = all_met && within;
    }
  }
  PrintDatapathVerdict(scenarios, out);
  all_met = PrintTlsVerdict(scenarios, out) && all_met;
  all_met = PrintExecVerdict(scenarios, out) && all_met;
  int measurements = 0;
  const int disturbed = Disturbed(scenarios, &measurements);
  if (disturbed > 0) {
    out << absl::StrFormat(
        "  caution: %d of %d measurements ran with more than %.0f%% of the CPUs busy outside "
        "the pods (other work on this machine); their figures are disturbed\n",
        disturbed, measurements, 100 * kQuietThreshold);
  }
  out << "  overall: " << (all_met ? "targets met" : "targets NOT met") << "\n";
}

}  // namespace

void PrintReport(const std::vector<ScenarioResults>& scenarios, std::ostream& out) {
  if (scenarios.empty()) return;
  PrintFigures(scenarios, out);
  PrintTlsFigures(scenarios, out);
  PrintExecFigures(scenarios, out);
  PrintDatapath(scenarios, out);
  PrintTlsDatapath(scenarios, out);
  PrintAgentTimes(scenarios, out);
  PrintVerdict(scenarios, out);
}

}  // namespace nsfence::bench
