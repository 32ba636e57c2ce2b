#include "agent_step.h"

#include <time.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "metrics_scrape.h"
#include "process_stats.h"

namespace nsfence::bench {
namespace {

constexpr absl::Duration kDrainPoll = absl::Milliseconds(10);
constexpr absl::Duration kMetricsSyncTimeout = absl::Seconds(5);
constexpr absl::Duration kMetricsPoll = absl::Milliseconds(100);

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// nsfence_events_lost_total by stage, and the kernel counters the endpoint
// last read (to tell whether it caught up).
struct LostSample {
  uint64_t kernel_ringbuf = 0, undecodable = 0, rate_limit = 0;
  uint64_t submitted = 0, reserve_failed = 0;
};

absl::StatusOr<LostSample> SampleLost(const std::string& address) {
  NSF_ASSIGN_OR_RETURN(const std::string text, ScrapeMetrics(address));
  LostSample s;
  const auto get = [&](const char* series, uint64_t* out) -> absl::Status {
    const std::optional<double> v = MetricSample(text, series);
    if (!v) return absl::NotFoundError(absl::StrCat("the agent's metrics have no ", series));
    *out = static_cast<uint64_t>(*v);
    return absl::OkStatus();
  };
  NSF_RETURN_IF_ERROR(get(R"(nsfence_events_lost_total{stage="kernel_ringbuf"})", &s.kernel_ringbuf));
  NSF_RETURN_IF_ERROR(get(R"(nsfence_events_lost_total{stage="undecodable"})", &s.undecodable));
  NSF_RETURN_IF_ERROR(get(R"(nsfence_events_lost_total{stage="rate_limit"})", &s.rate_limit));
  NSF_RETURN_IF_ERROR(get(R"(nsfence_kernel_counter_total{counter="events_submitted"})", &s.submitted));
  NSF_RETURN_IF_ERROR(
      get(R"(nsfence_kernel_counter_total{counter="ringbuf_reserve_failed"})", &s.reserve_failed));
  return s;
}

}  // namespace

absl::StatusOr<StepFigures> MeasureAgentStep(const AgentStepSetup& setup, double rate) {
  StepFigures step{.offered = rate};
  AgentStepFigures& a = step.agent;
  const LineCounter& out = setup.agent.stdout_lines();
  NSF_ASSIGN_OR_RETURN(const LostSample lost_before, SampleLost(setup.metrics_address));
  NSF_ASSIGN_OR_RETURN(const KernelCounterValues before, setup.counters.Read());
  const uint64_t lines_before = out.lines(), network_before = out.network_lines();
  const double cpu_before = CpuSeconds(setup.agent.pid());
  const int64_t start_ns = MonotonicNs();

  NSF_ASSIGN_OR_RETURN(
      step.flood,
      RunFlood(setup.source, setup.sink, setup.load_binary,
               {.rate = rate, .duration = setup.duration, .cpu = setup.generator_cpu}));

  // Drained once every record the kernel submitted is a line.
  KernelCounterValues after{};
  const absl::Time drain_deadline = absl::Now() + setup.drain_timeout;
  for (;;) {
    NSF_ASSIGN_OR_RETURN(after, setup.counters.Read());
    a.submitted = after[NSFENCE_CNT_EVENTS_SUBMITTED] - before[NSFENCE_CNT_EVENTS_SUBMITTED];
    a.lines = out.lines() - lines_before;
    if (a.lines >= a.submitted) {
      a.drained = true;
      break;
    }
    if (absl::Now() >= drain_deadline) break;
    absl::SleepFor(kDrainPoll);
  }
  const int64_t last_line_ns = out.last_data_ns();
  a.cpu_seconds = CpuSeconds(setup.agent.pid()) - cpu_before;
  a.rss_kib = ResidentKib(setup.agent.pid());
  a.network_lines = out.network_lines() - network_before;
  a.reserve_failed =
      after[NSFENCE_CNT_RINGBUF_RESERVE_FAILED] - before[NSFENCE_CNT_RINGBUF_RESERVE_FAILED];
  a.folded = after[NSFENCE_CNT_REPEATS_FOLDED] - before[NSFENCE_CNT_REPEATS_FOLDED];
  if (a.lines > 0 && last_line_ns > step.flood.start_ns) {
    a.output_seconds = static_cast<double>(last_line_ns - step.flood.start_ns) / 1e9;
  }
  a.window_seconds =
      static_cast<double>(std::max(step.flood.end_ns, last_line_ns) - start_ns) / 1e9;

  // The endpoint follows the kernel counters every --stats-seconds.
  LostSample lost_after;
  const absl::Time sync_deadline = absl::Now() + kMetricsSyncTimeout;
  for (;;) {
    NSF_ASSIGN_OR_RETURN(lost_after, SampleLost(setup.metrics_address));
    a.metrics_synced = lost_after.submitted == after[NSFENCE_CNT_EVENTS_SUBMITTED] &&
                       lost_after.reserve_failed == after[NSFENCE_CNT_RINGBUF_RESERVE_FAILED];
    if (a.metrics_synced || absl::Now() >= sync_deadline) break;
    absl::SleepFor(kMetricsPoll);
  }
  a.lost_kernel_ringbuf = lost_after.kernel_ringbuf - lost_before.kernel_ringbuf;
  a.lost_undecodable = lost_after.undecodable - lost_before.undecodable;
  a.lost_rate_limit = lost_after.rate_limit - lost_before.rate_limit;
  return step;
}

}  // namespace nsfence::bench
