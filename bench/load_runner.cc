#include "load_runner.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "bench_text.h"
#include "bench_topology.h"
#include "common/capabilities.h"
#include "common/status_macros.h"
#include "support/testbed/command.h"
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

std::string Text(const std::map<std::string, std::string>& values, const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() ? "?" : it->second;
}

TlsNegotiated NegotiatedOf(const std::map<std::string, std::string>& values) {
  return {.version = Text(values, "version"),
          .cipher = Text(values, "cipher"),
          .openssl = Text(values, "openssl")};
}

}  // namespace

LoadRunner::LoadRunner(const testbed::Pod& client, const testbed::Pod& server,
                       std::string load_binary, LoadSettings settings, std::string tls_cert_path)
    : client_(client),
      server_(server),
      load_binary_(std::move(load_binary)),
      settings_(std::move(settings)),
      tls_cert_path_(std::move(tls_cert_path)) {}

absl::Status LoadRunner::StartServer() {
  std::vector<std::string> argv = {load_binary_, "serve", absl::StrCat(kEchoPort)};
  if (!tls_cert_path_.empty()) {
    argv = Concat(
        argv, {"--tls-port", absl::StrCat(kTlsHandshakePort), "--tls-cert-out", tls_cert_path_});
  }
  NSF_ASSIGN_OR_RETURN(testbed::BackgroundProcess process,
                       testbed::StartInPod(server_, Concat(argv, CpuArgs(settings_.rr_cpu))));
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
  return KeyValuesOf(line);
}

absl::StatusOr<LoadRunner::KeyValues> LoadRunner::RunOnNode(
    const std::string& command, const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {load_binary_, command};
  argv.insert(argv.end(), args.begin(), args.end());
  NSF_ASSIGN_OR_RETURN(
      testbed::CommandResult result,
      testbed::RunCommand(argv, {.timeout = settings_.warmup + settings_.measured + kClientSlack}));
  const std::string line(absl::StripTrailingAsciiWhitespace(result.stdout_text));
  if (!result.exit.success()) {
    return absl::InternalError(absl::StrCat("load ", command, " failed (", result.exit.ToString(),
                                            "): ", line, " ", result.stderr_text));
  }
  return KeyValuesOf(line);
}

std::vector<std::string> LoadRunner::ExecPlacementArgs(bool privileged) const {
  std::vector<std::string> args = {"--cgroup", client_.process_cgroup(), "--netns",
                                   client_.netns_path(), "--program", settings_.exec_program};
  if (!privileged) {
    args = Concat(args, {"--bounding-set", absl::StrFormat("%#x", RuntimeDefaultCapabilities())});
  }
  return args;
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

absl::StatusOr<double> LoadRunner::TlsHandshakes(const std::string& version, int64_t* made,
                                                 TlsNegotiated* negotiated) const {
  NSF_ASSIGN_OR_RETURN(KeyValues values,
                       RunClient("tls-handshakes",
                                 Concat({"--tls-ca", tls_cert_path_, "--tls-version", version},
                                        CpuArgs(settings_.connect_cpu)),
                                 kTlsHandshakePort));
  NSF_ASSIGN_OR_RETURN(const double count, Number(values, "handshakes"));
  NSF_ASSIGN_OR_RETURN(const double seconds, Number(values, "seconds"));
  NSF_ASSIGN_OR_RETURN(const double warmup, Number(values, "warmup_handshakes"));
  *made = static_cast<int64_t>(count + warmup);
  *negotiated = NegotiatedOf(values);
  return seconds > 0 ? count / seconds : 0;
}

absl::Status LoadRunner::TlsBulk(LoadFigures* figures) const {
  NSF_ASSIGN_OR_RETURN(KeyValues values,
                       RunClient("tls-bulk",
                                 Concat({"--tls-ca", tls_cert_path_, "--write-bytes",
                                         absl::StrCat(settings_.tls_write_bytes)},
                                        CpuArgs(settings_.rr_cpu)),
                                 kTlsBulkPort));
  NSF_ASSIGN_OR_RETURN(const double bytes, Number(values, "bytes"));
  NSF_ASSIGN_OR_RETURN(const double seconds, Number(values, "seconds"));
  NSF_ASSIGN_OR_RETURN(const double warmup, Number(values, "warmup_bytes"));
  NSF_ASSIGN_OR_RETURN(const double write_bytes, Number(values, "write_bytes"));
  figures->tls_bulk_mb_per_second = seconds > 0 ? bytes / 1e6 / seconds : 0;
  figures->tls_bulk_mb_made = (bytes + warmup) / 1e6;
  figures->tls_bulk_write_bytes = static_cast<int>(write_bytes);
  figures->tls_bulk = NegotiatedOf(values);
  return absl::OkStatus();
}

absl::StatusOr<std::string> LoadRunner::TlsProbe(const std::string& max_version) const {
  NSF_ASSIGN_OR_RETURN(
      testbed::CommandResult result,
      testbed::RunInPod(client_, {load_binary_, "tls-probe", server_.ipv4().ToString(),
                                  absl::StrCat(kTlsHandshakePort), "--tls-ca", tls_cert_path_,
                                  "--max-version", max_version, "--timeout-ms", "2000"}));
  const std::string line(absl::StripTrailingAsciiWhitespace(result.stdout_text));
  if (!result.exit.success()) {
    return absl::InternalError(absl::StrCat("TLS probe failed (", result.exit.ToString(),
                                            "): ", line, " ", result.stderr_text));
  }
  return line;
}

absl::Status LoadRunner::ExecLoop(LoadFigures* figures) const {
  absl::StatusOr<KeyValues> values = RunOnNode(
      "exec-loop", Concat(Concat(ExecPlacementArgs(/*privileged=*/false),
                                 {"--seconds", SecondsText(settings_.measured), "--warmup-seconds",
                                  SecondsText(settings_.warmup)}),
                          CpuArgs(settings_.connect_cpu)));
  if (!values.ok()) {
    return absl::InternalError(absl::StrCat(
        values.status().message(),
        " (every exec of the loop must exit 0: a killed one means that its worker is not placed "
        "like a container process with the runtime default capabilities, or that the exec "
        "guard stopped an exec it must allow)"));
  }
  NSF_ASSIGN_OR_RETURN(const double count, Number(*values, "execs"));
  NSF_ASSIGN_OR_RETURN(const double seconds, Number(*values, "seconds"));
  NSF_ASSIGN_OR_RETURN(const double warmup, Number(*values, "warmup_execs"));
  figures->execs_per_second = seconds > 0 ? count / seconds : 0;
  figures->execs_made = static_cast<int64_t>(count + warmup);
  return absl::OkStatus();
}

absl::StatusOr<std::string> LoadRunner::ExecProbe(bool privileged) const {
  NSF_ASSIGN_OR_RETURN(
      testbed::CommandResult result,
      testbed::RunCommand(Concat({load_binary_, "exec-probe"}, ExecPlacementArgs(privileged))));
  const std::string line(absl::StripTrailingAsciiWhitespace(result.stdout_text));
  if (!result.exit.success()) {
    return absl::InternalError(absl::StrCat("exec probe failed (", result.exit.ToString(),
                                            "): ", line, " ", result.stderr_text));
  }
  return line;
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
    case Workload::kTls13Handshakes: {
      NSF_ASSIGN_OR_RETURN(figures->tls13_handshakes_per_second,
                           TlsHandshakes("1.3", &figures->tls13_handshakes_made, &figures->tls13));
      return absl::OkStatus();
    }
    case Workload::kTls12Handshakes: {
      NSF_ASSIGN_OR_RETURN(figures->tls12_handshakes_per_second,
                           TlsHandshakes("1.2", &figures->tls12_handshakes_made, &figures->tls12));
      return absl::OkStatus();
    }
    case Workload::kTlsBulk:
      return TlsBulk(figures);
    case Workload::kExecLoop:
      return ExecLoop(figures);
  }
  return absl::InvalidArgumentError("unknown workload");
}

absl::StatusOr<LoadFigures> LoadRunner::Measure(const std::vector<Workload>& workloads) const {
  LoadFigures figures;
  for (Workload workload : workloads) NSF_RETURN_IF_ERROR(Run(workload, &figures));
  return figures;
}

}  // namespace nsfence::bench
