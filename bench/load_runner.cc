#include "load_runner.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench_topology.h"
#include "common/status_macros.h"
#include "support/testbed/exec.h"

namespace nsfence::bench {
namespace {

constexpr absl::Duration kServerStart = absl::Seconds(10);
// Beyond the load's own duration: process start, connection timeouts.
constexpr absl::Duration kClientSlack = absl::Seconds(30);

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string SecondsText(absl::Duration d) { return absl::StrCat(absl::ToDoubleSeconds(d)); }

absl::StatusOr<double> Number(const std::map<std::string, std::string>& values,
                              const std::string& key) {
  const auto it = values.find(key);
  double number = 0;
  if (it == values.end() || !absl::SimpleAtod(it->second, &number)) {
    return absl::InternalError(absl::StrCat("load result without a number for ", key));
  }
  return number;
}

}  // namespace

LoadRunner::LoadRunner(const testbed::Pod& client, const testbed::Pod& server,
                       std::string load_binary, LoadSettings settings)
    : client_(client), server_(server), load_binary_(std::move(load_binary)), settings_(settings) {}

absl::Status LoadRunner::StartServer() {
  NSF_ASSIGN_OR_RETURN(
      testbed::BackgroundProcess process,
      testbed::StartInPod(server_, Concat({load_binary_, "serve", absl::StrCat(kEchoPort)},
                                          CpuArgs(settings_.rr_cpu))));
  if (!process.WaitForStdout("listening", kServerStart)) {
    return absl::UnavailableError(
        absl::StrCat("the load server did not start: ", process.StderrText()));
  }
  server_process_.emplace(std::move(process));
  return absl::OkStatus();
}

absl::StatusOr<LoadRunner::KeyValues> LoadRunner::RunClient(const std::string& command,
                                                            std::vector<std::string> extra_args,
                                                            uint16_t port) const {
  std::vector<std::string> argv = {load_binary_,
                                   command,
                                   server_.ipv4().ToString(),
                                   absl::StrCat(port),
                                   "--seconds",
                                   SecondsText(settings_.measured),
                                   "--warmup-seconds",
                                   SecondsText(settings_.warmup)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  NSF_ASSIGN_OR_RETURN(
      testbed::CommandResult result,
      testbed::RunInPod(client_, argv, settings_.warmup + settings_.measured + kClientSlack));
  const std::string line(absl::StripTrailingAsciiWhitespace(result.stdout_text));
  if (!result.exit.success()) {
    return absl::InternalError(absl::StrCat("load client ", command, " failed (",
                                            result.exit.ToString(), "): ", line, " ",
                                            result.stderr_text));
  }
  KeyValues values;
  for (absl::string_view pair : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
    const std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    values[kv.first] = kv.second;
  }
  return values;
}

std::vector<std::string> LoadRunner::CpuArgs(int cpu) {
  if (cpu < 0) return {};
  return {"--cpu", absl::StrCat(cpu)};
}

absl::StatusOr<LatencySummary> LoadRunner::RequestResponse(const std::string& command,
                                                           int64_t* made) const {
  NSF_ASSIGN_OR_RETURN(KeyValues values, RunClient(command, CpuArgs(settings_.rr_cpu), kEchoPort));
  LatencySummary summary;
  NSF_ASSIGN_OR_RETURN(const double count, Number(values, "requests"));
  summary.count = static_cast<int64_t>(count);
  NSF_ASSIGN_OR_RETURN(summary.p50_us, Number(values, "p50_us"));
  NSF_ASSIGN_OR_RETURN(summary.p99_us, Number(values, "p99_us"));
  NSF_ASSIGN_OR_RETURN(summary.mean_us, Number(values, "mean_us"));
  NSF_ASSIGN_OR_RETURN(const double warmup, Number(values, "warmup_requests"));
  *made = summary.count + static_cast<int64_t>(warmup);
  return summary;
}

absl::Status LoadRunner::ConnectionLoop(LoadFigures* figures) const {
  NSF_ASSIGN_OR_RETURN(KeyValues connections,
                       RunClient("connect-loop",
                                 Concat({"--threads", absl::StrCat(settings_.connect_threads)},
                                        CpuArgs(settings_.connect_cpu)),
                                 kClosePort));
  NSF_ASSIGN_OR_RETURN(const double count, Number(connections, "connections"));
  NSF_ASSIGN_OR_RETURN(const double seconds, Number(connections, "seconds"));
  NSF_ASSIGN_OR_RETURN(const double warmup, Number(connections, "warmup_connections"));
  figures->connections_per_second = count / seconds;
  figures->connections_made = static_cast<int64_t>(count + warmup);
  return absl::OkStatus();
}

absl::Status LoadRunner::Run(Workload workload, LoadFigures* figures) const {
  switch (workload) {
    case Workload::kConnectionLoop:
      return ConnectionLoop(figures);
    case Workload::kTcpRequestResponse: {
      NSF_ASSIGN_OR_RETURN(figures->tcp_rr,
                           RequestResponse("tcp-rr", &figures->tcp_round_trips_made));
      return absl::OkStatus();
    }
    case Workload::kUdpRequestResponse: {
      NSF_ASSIGN_OR_RETURN(figures->udp_rr,
                           RequestResponse("udp-rr", &figures->udp_round_trips_made));
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown workload");
}

absl::StatusOr<LoadFigures> LoadRunner::Measure() const {
  LoadFigures figures;
  for (Workload workload : kWorkloads) NSF_RETURN_IF_ERROR(Run(workload, &figures));
  return figures;
}

}  // namespace nsfence::bench
