#include "event_report.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "elsewhere_meter.h"

namespace nsfence::bench {
namespace {

// "512,340"
std::string Thousands(double value) {
  const std::string digits = absl::StrFormat("%.0f", value);
  std::string out;
  const size_t first = digits.front() == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Ratio(double value, double base) {
  return base > 0 ? absl::StrFormat("%.3fx", value / base) : std::string("-");
}

template <typename T>
double Median(const std::vector<T>& items, const std::function<double(const T&)>& figure) {
  if (items.empty()) return 0;
  std::vector<double> values;
  values.reserve(items.size());
  for (const T& item : items) values.push_back(figure(item));
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double MedianOf(const SweepStep& s, const std::function<double(const StepFigures&)>& figure) {
  return Median<StepFigures>(s.rounds, figure);
}

// Over every round of a step.
struct Totals {
  uint64_t denied = 0;
  uint64_t lost_kernel_ringbuf = 0, lost_undecodable = 0, lost_rate_limit = 0;
  bool accounted = true;
  uint64_t lost() const { return lost_kernel_ringbuf + lost_undecodable + lost_rate_limit; }
};

Totals TotalsOf(const SweepStep& s) {
  Totals t;
  for (const StepFigures& r : s.rounds) {
    t.denied += static_cast<uint64_t>(r.flood.denied);
    t.lost_kernel_ringbuf += r.agent.lost_kernel_ringbuf;
    t.lost_undecodable += r.agent.lost_undecodable;
    t.lost_rate_limit += r.agent.lost_rate_limit;
    t.accounted = t.accounted && r.accounted();
  }
  return t;
}

bool Lossless(const SweepStep& s) {
  const Totals t = TotalsOf(s);
  return !s.rounds.empty() && t.accounted && t.lost() == 0;
}

std::string LossText(const Totals& t) {
  if (!t.accounted) return "unaccounted";
  if (t.lost() == 0) return "0";
  return absl::StrFormat("%.2f%%", 100.0 * static_cast<double>(t.lost()) / static_cast<double>(t.denied));
}

double OutputRate(const SweepStep& s) {
  return MedianOf(s, [](const StepFigures& r) { return r.agent.output_rate(); });
}

void PrintUnaccounted(const SweepStep& s, std::ostream& out) {
  for (size_t i = 0; i < s.rounds.size(); ++i) {
    const StepFigures& r = s.rounds[i];
    if (r.accounted()) continue;
    const AgentStepFigures& a = r.agent;
    out << absl::StrFormat(
        "step %s, round %d not accounted for: denied %lld, kernel submitted %llu + ring buffer "
        "full %llu, folded %llu, lines %llu, lost %llu (ring buffer per metrics %llu)%s%s\n",
        RateName(s.offered), static_cast<int>(i) + 1, static_cast<long long>(r.flood.denied),
        static_cast<unsigned long long>(a.submitted), static_cast<unsigned long long>(a.reserve_failed),
        static_cast<unsigned long long>(a.folded), static_cast<unsigned long long>(a.lines),
        static_cast<unsigned long long>(a.lost()),
        static_cast<unsigned long long>(a.lost_kernel_ringbuf), a.drained ? "" : ", not drained",
        a.metrics_synced ? "" : ", metrics not caught up");
  }
}

}  // namespace

std::optional<size_t> KneeStep(const SweepResult& result) {
  std::optional<size_t> knee;
  for (size_t i = 0; i < result.steps.size(); ++i) {
    if (!Lossless(result.steps[i])) continue;
    if (!knee || OutputRate(result.steps[i]) > OutputRate(result.steps[*knee])) knee = i;
  }
  return knee;
}

void PrintEventReport(const SweepResult& result, std::ostream& out) {
  const size_t rounds = result.steps.empty() ? 0 : result.steps.front().rounds.size();
  out << "agent flags: " << result.agent_flags << "\n";
  if (rounds > 1) out << "medians over " << rounds << " rounds; lost and loss: all rounds\n";
  out << "| offered/s | generator/s, no agent | generator/s, agent | ratio | kernel events/s "
         "| JSON lines/s | lost: ring buffer / undecodable / rate limit | loss | agent CPU "
         "| agent CPU/line | agent RSS |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const SweepStep& s : result.steps) {
    const double base = Median<FloodResult>(s.baseline, [](const FloodResult& f) { return f.rate(); });
    const double generator = MedianOf(s, [](const StepFigures& r) { return r.flood.rate(); });
    const Totals t = TotalsOf(s);
    out << absl::StrFormat(
        "| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %.0f%% | %.2f µs | %.1f MiB |\n",
        RateName(s.offered), s.baseline.empty() ? "-" : Thousands(base), Thousands(generator),
        Ratio(generator, base),
        Thousands(MedianOf(s, [](const StepFigures& r) { return r.kernel_rate(); })),
        Thousands(OutputRate(s)), Thousands(static_cast<double>(t.lost_kernel_ringbuf)),
        Thousands(static_cast<double>(t.lost_undecodable)),
        Thousands(static_cast<double>(t.lost_rate_limit)), LossText(t),
        100 * MedianOf(s, [](const StepFigures& r) { return r.agent.cpu_fraction(); }),
        MedianOf(s, [](const StepFigures& r) { return r.agent.cpu_us_per_line(); }),
        MedianOf(s, [](const StepFigures& r) { return static_cast<double>(r.agent.rss_kib); }) / 1024);
  }
  for (const SweepStep& s : result.steps) PrintUnaccounted(s, out);
  for (const SweepStep& s : result.steps) {
    for (size_t i = 0; i < s.rounds.size(); ++i) {
      if (s.rounds[i].elsewhere <= kElsewhereThreshold) continue;
      out << absl::StrFormat(
          "step %s, round %d: disturbed, %.0f%% of the CPUs went elsewhere (its rates are low)\n",
          RateName(s.offered), static_cast<int>(i) + 1, 100 * s.rounds[i].elsewhere);
    }
  }

  const std::optional<size_t> knee = KneeStep(result);
  if (!knee) {
    out << "knee: none, every step lost events\n";
  } else {
    const SweepStep& k = result.steps[*knee];
    out << "knee: offered " << RateName(k.offered) << "/s, " << Thousands(OutputRate(k))
        << " JSON lines/s without loss (agent CPU "
        << absl::StrFormat("%.0f%%", 100 * MedianOf(k, [](const StepFigures& r) {
                             return r.agent.cpu_fraction();
                           }))
        << ")";
    for (size_t i = *knee + 1; i < result.steps.size(); ++i) {
      const SweepStep& s = result.steps[i];
      if (Lossless(s)) continue;
      out << "; beyond it, offered " << RateName(s.offered) << "/s: kernel "
          << Thousands(MedianOf(s, [](const StepFigures& r) { return r.kernel_rate(); }))
          << " events/s, " << Thousands(OutputRate(s)) << " lines/s, " << LossText(TotalsOf(s))
          << " lost";
      break;
    }
    out << "\n";
  }
  const bool met = knee && OutputRate(result.steps[*knee]) >= kTargetLinesPerSecond;
  out << "target: >= " << Thousands(kTargetLinesPerSecond)
      << " JSON lines/s without loss: " << (met ? "met" : "not met") << "\n";
  for (const std::string& problem : result.problems) out << "problem: " << problem << "\n";
}

}  // namespace nsfence::bench
