#include "event_bench_options.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "bench_args.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace nsfence::bench {
namespace {

constexpr double kMaxRate = 100e6;

absl::StatusOr<double> Number(const std::string& flag, const std::string& text, double min,
                              double max) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " expects a number from ", min, " to ",
                                                   max, ", got \"", text, "\""));
  }
  return value;
}

// "50000", "50k", "1.5M" or "max" (0).
absl::StatusOr<double> Rate(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::string_view t = lower;
  if (t == "max") return 0.0;
  double scale = 1;
  if (absl::ConsumeSuffix(&t, "k")) {
    scale = 1e3;
  } else if (absl::ConsumeSuffix(&t, "m")) {
    scale = 1e6;
  }
  NSF_ASSIGN_OR_RETURN(const double value, Number("--rates", std::string(t), 1, kMaxRate));
  return value * scale;
}

absl::StatusOr<std::vector<double>> Rates(const std::string& text) {
  std::vector<double> rates;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    NSF_ASSIGN_OR_RETURN(const double rate, Rate(item));
    rates.push_back(rate);
  }
  return rates;
}

}  // namespace

std::string RateName(double rate) {
  if (rate <= 0) return "max";
  if (rate >= 1e6 && std::fmod(rate, 1e5) == 0) return absl::StrFormat("%gM", rate / 1e6);
  if (rate >= 1e3 && std::fmod(rate, 1e3) == 0) return absl::StrFormat("%gk", rate / 1e3);
  return absl::StrFormat("%.0f", rate);
}

std::string EventBenchUsage() {
  return R"(usage: nsfence-event-bench [options]   (as root)

Measures the agent's event pipeline: a generator in a governed pod sends UDP
datagrams to a peer its policy denies, one flow per datagram (a port of its
own, a fresh socket per pass over the ports), at a sweep of offered rates,
and the agent (aggregation and rate limits off) turns each denial into a
JSON line on its stdout, which this program reads and counts. Per step it
prints the generator's rate, kernel events/s, JSON lines/s, what was lost
(ring buffer full, undecodable, rate limit), the agent's CPU and memory, and
the generator's rate against the same step without an agent. The knee is the
highest step without loss. Builds a private testbed (network namespaces, a
bridge and cgroups of its own) and removes it afterwards.

  --rates LIST               offered violations/s per step, e.g. 50k,100k,max
                             (max: as fast as the generator can; default
                             50k,100k,200k,300k,400k,500k,600k,max)
  --seconds S                per step (default 5)
  --rounds N                 sweeps, each without and with a fresh agent; the table
                             shows medians, and a step is lossless only if every
                             round is (default 1)
  --ringbuf-bytes N          the agent's ring buffer (default: the agent's, 1 MiB)
  --generator-cpu N          pin the generator to CPU N (default: not pinned)
  --drain-timeout-seconds S  how long the agent may lag behind (default 60)
  --attempts N               a step during which other work took over 10% of the
                             CPUs is measured again, after waiting (up to 30 s) for
                             the machine to calm down, up to N times in all (default 3)
  --no-baseline              skip the steps without an agent
  --agent PATH               the agent binary (default: nsfence-agent next to this program)
  --quick                    a smoke run: --rates 20k,max --seconds 1, each step once
                             even on a busy machine
  --help
)";
}

absl::StatusOr<EventBenchOptions> ParseEventBenchArgs(const std::vector<std::string>& args) {
  EventBenchOptions options;
  EventBenchConfig& c = options.config;
  BenchArgs cursor(args);
  while (!cursor.Done()) {
    const std::string flag = cursor.Next();
    const auto value = [&] { return cursor.Value(); };
    if (flag == "--help" || flag == "-h") {
      options.help = true;
    } else if (flag == "--quick") {
      c.rates = {20000, 0};
      c.step = absl::Seconds(1);
      c.attempts = 1;
      c.quiet_timeout = absl::ZeroDuration();
    } else if (flag == "--no-baseline") {
      c.baseline = false;
    } else if (flag == "--rates") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(c.rates, Rates(v));
    } else if (flag == "--seconds" || flag == "--drain-timeout-seconds") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double s, Number(flag, v, 0.1, 3600));
      (flag == "--seconds" ? c.step : c.drain_timeout) = absl::Seconds(s);
    } else if (flag == "--attempts") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      if (!absl::SimpleAtoi(v, &c.attempts) || c.attempts < 1 || c.attempts > 100) {
        return absl::InvalidArgumentError(absl::StrCat("--attempts expects 1 to 100, got \"", v, "\""));
      }
    } else if (flag == "--rounds") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      if (!absl::SimpleAtoi(v, &c.rounds) || c.rounds < 1 || c.rounds > 100) {
        return absl::InvalidArgumentError(absl::StrCat("--rounds expects 1 to 100, got \"", v, "\""));
      }
    } else if (flag == "--ringbuf-bytes") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      if (!absl::SimpleAtoi(v, &c.ringbuf_bytes) || c.ringbuf_bytes < 4096 ||
          (c.ringbuf_bytes & (c.ringbuf_bytes - 1)) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--ringbuf-bytes expects a power of two >= 4096, got \"", v, "\""));
      }
    } else if (flag == "--agent") {
      NSF_ASSIGN_OR_RETURN(c.agent_binary, value());
    } else if (flag == "--generator-cpu") {
      NSF_ASSIGN_OR_RETURN(const std::string v, value());
      NSF_ASSIGN_OR_RETURN(const double cpu, Number(flag, v, 0, 1023));
      c.generator_cpu = static_cast<int>(cpu);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", cursor.raw(), " (see --help)"));
    }
  }
  return options;
}

}  // namespace nsfence::bench
