#include "event_sweep.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "agent_pipe.h"
#include "agent_step.h"
#include "common/status_macros.h"
#include "elsewhere_meter.h"
#include "event_lines_check.h"
#include "flood_run.h"
#include "flood_testbed.h"
#include "kernel_counters.h"
#include "metrics_scrape.h"
#include "support/testbed/tool_paths.h"
#include "work_dir.h"

namespace nsfence::bench {
namespace {

constexpr absl::Duration kWarmUp = absl::Milliseconds(300);
constexpr absl::Duration kStopGrace = absl::Seconds(10);
// Between steps: the agent idles, the previous step's tail is gone.
constexpr absl::Duration kSettle = absl::Milliseconds(300);
constexpr char kStatsSeconds[] = "1";
constexpr absl::Duration kQuietSample = absl::Seconds(1);

absl::Status CheckExecutable(const std::string& path) {
  if (access(path.c_str(), X_OK) == 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(path, " is missing; build it first"));
}

std::string Describe(const StepFigures& s) {
  const AgentStepFigures& a = s.agent;
  return absl::StrFormat(
      "gen %8.0f/s  kernel %8.0f/s  JSON %8.0f/s  lost %llu (ringbuf %llu, undecodable %llu, "
      "rate limit %llu)  agent CPU %3.0f%% %.2f us/line  RSS %.1f MiB  elsewhere %.0f%%%s%s",
      s.flood.rate(), s.kernel_rate(), a.output_rate(), static_cast<unsigned long long>(a.lost()),
      static_cast<unsigned long long>(a.lost_kernel_ringbuf),
      static_cast<unsigned long long>(a.lost_undecodable),
      static_cast<unsigned long long>(a.lost_rate_limit), a.cpu_fraction() * 100,
      a.cpu_us_per_line(), static_cast<double>(a.rss_kib) / 1024, 100 * s.elsewhere,
      a.drained ? "" : "  NOT DRAINED",
      s.accounted() ? "" : "  ACCOUNTING MISMATCH");
}

class Sweep {
 public:
  Sweep(const EventBenchConfig& config, const std::atomic<bool>& stop_requested,
        std::ostream& progress)
      : config_(config), stop_requested_(stop_requested), progress_(progress) {}
  absl::StatusOr<SweepResult> Run();

 private:
  absl::Status Setup();
  absl::Status RunBaseline();
  absl::Status StartAgent();
  absl::Status RunAgentSteps();
  // Measured again (up to config_.attempts) while other work disturbs it.
  absl::StatusOr<StepFigures> MeasureStep(double rate);
  absl::StatusOr<FloodResult> MeasureBaseline(double rate);
  // Returns when the CPUs are quiet, or after config_.quiet_timeout.
  absl::Status WaitForQuiet();
  absl::Status StopAgent();
  absl::Status CheckStop() const {
    return stop_requested_ ? absl::CancelledError("stopped by a signal") : absl::OkStatus();
  }
  FloodRequest Request(double rate, absl::Duration duration) const {
    return {.rate = rate, .duration = duration, .cpu = config_.generator_cpu};
  }
  std::vector<int> AgentCpus() const;

  const EventBenchConfig& config_;
  const std::atomic<bool>& stop_requested_;
  std::ostream& progress_;
  const std::string bin_dir_ = testbed::DefaultBinDir();
  std::string agent_binary_;
  std::string load_binary_;
  // Destroyed in reverse: the agent before the testbed, the testbed before
  // the work directory holding the agent's bpffs.
  std::optional<WorkDir> work_dir_;
  std::optional<FloodTestbed> bed_;
  std::optional<ElsewhereMeter> elsewhere_;
  std::unique_ptr<AgentPipe> agent_;
  std::unique_ptr<PinnedKernelCounters> counters_;
  std::string metrics_address_;
  SweepResult result_;
};

absl::StatusOr<SweepResult> Sweep::Run() {
  for (double rate : config_.rates) result_.steps.push_back({.offered = rate});
  absl::Status status = Setup();
  for (int round = 1; status.ok() && round <= config_.rounds; ++round) {
    if (config_.rounds > 1) progress_ << "round " << round << " of " << config_.rounds << "\n";
    status = WaitForQuiet();
    if (status.ok()) status = RunBaseline();
    if (status.ok()) status = StartAgent();
    if (status.ok()) status = RunAgentSteps();
    // Stopped on errors too: it detaches and removes its pins.
    const absl::Status stopped = StopAgent();
    if (status.ok()) status = stopped;
  }
  if (!status.ok()) return status;
  return std::move(result_);
}

absl::Status Sweep::Setup() {
  const std::string agent =
      config_.agent_binary.empty() ? bin_dir_ + "/nsfence-agent" : config_.agent_binary;
  NSF_RETURN_IF_ERROR(CheckExecutable(agent));
  load_binary_ = bin_dir_ + "/nsfence-bench-load";
  NSF_RETURN_IF_ERROR(CheckExecutable(load_binary_));
  NSF_ASSIGN_OR_RETURN(WorkDir work_dir, WorkDir::Create());
  work_dir_.emplace(std::move(work_dir));
  // The run measures one agent, even if the build changes meanwhile.
  NSF_ASSIGN_OR_RETURN(agent_binary_, work_dir_->Snapshot(agent));
  NSF_ASSIGN_OR_RETURN(FloodTestbed bed, BuildFloodTestbed(bin_dir_, work_dir_->path()));
  bed_.emplace(std::move(bed));
  elsewhere_.emplace(bed_->testbed->cgroup_root());
  progress_ << "testbed: " << kFloodNamespace << "/" << kFloodPod << " "
            << bed_->source->ipv4().ToString() << " -> " << kSinkNamespace << "/" << kSinkPod
            << " " << bed_->sink->ipv4().ToString() << " (denied: crossNamespace: deny), cgroup root "
            << bed_->testbed->cgroup_root() << "\n";
  // Neighbour tables, page cache and CPU frequency settle first.
  NSF_ASSIGN_OR_RETURN(const FloodResult warm,
                       RunFlood(*bed_->source, *bed_->sink, load_binary_, Request(0, kWarmUp)));
  progress_ << absl::StrFormat("warm-up, no agent: %.0f sends/s\n", warm.rate());
  return absl::OkStatus();
}

absl::Status Sweep::RunBaseline() {
  if (!config_.baseline) return absl::OkStatus();
  for (SweepStep& step : result_.steps) {
    NSF_RETURN_IF_ERROR(CheckStop());
    NSF_ASSIGN_OR_RETURN(FloodResult r, MeasureBaseline(step.offered));
    progress_ << absl::StrFormat("no agent, offered %-5s  gen %8.0f/s  (sent %lld, denied %lld, errors %lld%s)\n",
                                 RateName(step.offered), r.rate(), static_cast<long long>(r.sent),
                                 static_cast<long long>(r.denied), static_cast<long long>(r.errors),
                                 r.first_error.empty() ? "" : absl::StrCat(" ", r.first_error));
    step.baseline.push_back(std::move(r));
  }
  return absl::OkStatus();
}

std::vector<int> Sweep::AgentCpus() const {
  std::vector<int> cpus;
  if (config_.generator_cpu < 0) return cpus;
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (int cpu = 0; cpu < online; ++cpu) {
    if (cpu != config_.generator_cpu) cpus.push_back(cpu);
  }
  return cpus;
}

absl::Status Sweep::StartAgent() {
  NSF_RETURN_IF_ERROR(CheckStop());
  std::vector<std::string> args = {
      "--policy", bed_->policy_path, "--inventory", bed_->inventory_path,
      "--cgroup-root", bed_->testbed->cgroup_root(), "--bpffs", work_dir_->bpffs_dir(),
      "--metrics-address=127.0.0.1:0", "--admin-socket=off", "--aggregate-seconds=0",
      "--rate-limit=0", absl::StrCat("--stats-seconds=", kStatsSeconds)};
  if (config_.ringbuf_bytes > 0) args.push_back(absl::StrCat("--ringbuf-bytes=", config_.ringbuf_bytes));
  result_.agent_flags = absl::StrJoin(args.begin() + 8, args.end(), " ");
  NSF_ASSIGN_OR_RETURN(agent_, AgentPipe::Start({.binary = agent_binary_,
                                                 .args = args,
                                                 .log_path = work_dir_->path() + "/agent.log",
                                                 .cpus = AgentCpus()}));
  if (!agent_->WaitForLog("ready:", config_.agent_ready_timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("the agent did not log \"ready:\"; its log:\n", agent_->LogText()));
  }
  metrics_address_ = MetricsAddressFromLog(agent_->LogText());
  if (metrics_address_.empty()) {
    return absl::InternalError(absl::StrCat("the agent logged no metrics address:\n", agent_->LogText()));
  }
  NSF_ASSIGN_OR_RETURN(counters_, PinnedKernelCounters::Open(work_dir_->bpffs_dir()));
  progress_ << "agent: pid " << agent_->pid() << ", " << result_.agent_flags << ", metrics on "
            << metrics_address_ << "\n";
  return absl::OkStatus();
}

absl::Status Sweep::RunAgentSteps() {
  for (SweepStep& step : result_.steps) {
    NSF_RETURN_IF_ERROR(CheckStop());
    absl::SleepFor(kSettle);
    NSF_ASSIGN_OR_RETURN(StepFigures figures, MeasureStep(step.offered));
    progress_ << absl::StrFormat("agent,    offered %-5s  ", RateName(step.offered))
              << Describe(figures) << "\n";
    step.rounds.push_back(std::move(figures));
  }
  return absl::OkStatus();
}

absl::Status Sweep::WaitForQuiet() {
  if (config_.quiet_timeout <= absl::ZeroDuration()) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + config_.quiet_timeout;
  double elsewhere = 0;
  do {
    NSF_RETURN_IF_ERROR(elsewhere_->Start(-1));
    absl::SleepFor(kQuietSample);
    NSF_ASSIGN_OR_RETURN(elsewhere, elsewhere_->Elsewhere());
    if (elsewhere <= kElsewhereThreshold) return absl::OkStatus();
  } while (absl::Now() < deadline && !stop_requested_);
  progress_ << absl::StrFormat("the machine is busy (%.0f%% of the CPUs elsewhere); going on\n",
                               100 * elsewhere);
  return absl::OkStatus();
}

absl::StatusOr<FloodResult> Sweep::MeasureBaseline(double rate) {
  for (int attempt = 1;; ++attempt) {
    NSF_RETURN_IF_ERROR(elsewhere_->Start(-1));
    NSF_ASSIGN_OR_RETURN(FloodResult r, RunFlood(*bed_->source, *bed_->sink, load_binary_,
                                                 Request(rate, config_.step)));
    NSF_ASSIGN_OR_RETURN(const double elsewhere, elsewhere_->Elsewhere());
    if (elsewhere <= kElsewhereThreshold || attempt >= config_.attempts) return r;
    progress_ << absl::StrFormat("no agent, offered %-5s  disturbed (%.0f%% of the CPUs elsewhere), again\n",
                                 RateName(rate), 100 * elsewhere);
    NSF_RETURN_IF_ERROR(WaitForQuiet());
  }
}

absl::StatusOr<StepFigures> Sweep::MeasureStep(double rate) {
  for (int attempt = 1;; ++attempt) {
    NSF_RETURN_IF_ERROR(elsewhere_->Start(agent_->pid()));
    NSF_ASSIGN_OR_RETURN(StepFigures step,
                         MeasureAgentStep({.agent = *agent_,
                                           .counters = *counters_,
                                           .metrics_address = metrics_address_,
                                           .source = *bed_->source,
                                           .sink = *bed_->sink,
                                           .load_binary = load_binary_,
                                           .duration = config_.step,
                                           .generator_cpu = config_.generator_cpu,
                                           .drain_timeout = config_.drain_timeout},
                                          rate));
    NSF_ASSIGN_OR_RETURN(step.elsewhere, elsewhere_->Elsewhere());
    if (step.elsewhere <= kElsewhereThreshold || attempt >= config_.attempts) return step;
    progress_ << absl::StrFormat("agent,    offered %-5s  disturbed (%.0f%% of the CPUs elsewhere), again\n",
                                 RateName(rate), 100 * step.elsewhere);
    NSF_RETURN_IF_ERROR(WaitForQuiet());
  }
}

absl::Status Sweep::StopAgent() {
  if (!agent_) return absl::OkStatus();
  counters_.reset();
  const bool clean = agent_->Stop(kStopGrace);
  const LineCounter& out = agent_->stdout_lines();
  for (std::string& problem : CheckFloodEventLines(out.first_lines())) {
    result_.problems.push_back(std::move(problem));
  }
  if (out.network_lines() != out.lines()) {
    result_.problems.push_back(absl::StrCat(out.lines() - out.network_lines(), " of ", out.lines(),
                                            " stdout lines are not network events"));
  }
  if (!clean) result_.problems.push_back(absl::StrCat("the agent did not stop cleanly; its log:\n", agent_->LogText()));
  progress_ << "agent: stopped, " << out.lines() << " lines in all; first: "
            << (out.first_lines().empty() ? "(none)" : out.first_lines().front()) << "\n";
  agent_.reset();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SweepResult> RunEventSweep(const EventBenchConfig& config,
                                          const std::atomic<bool>& stop_requested,
                                          std::ostream& progress) {
  Sweep sweep(config, stop_requested, progress);
  return sweep.Run();
}

}  // namespace nsfence::bench
