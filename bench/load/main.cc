// nsfence-bench-load: the load nsfence-bench runs inside pods.
//
//   serve PORT [--tls-port P --tls-cert-out FILE]
//                                       TCP+UDP echo on PORT, TCP accept-and-close on PORT+1;
//                                       TLS handshakes on P, TLS bulk sink on P+1
//   connect-loop HOST PORT [--threads N] [--seconds S] [--warmup-seconds W]
//   tcp-rr HOST PORT [--seconds S] [--warmup-seconds W]
//   udp-rr HOST PORT [--seconds S] [--warmup-seconds W]
//   tls-handshakes HOST PORT --tls-ca FILE [--tls-version 1.2|1.3] [--seconds S]
//                  [--warmup-seconds W]
//   tls-bulk HOST PORT --tls-ca FILE [--write-bytes N] [--seconds S] [--warmup-seconds W]
//   tls-probe HOST PORT --tls-ca FILE [--max-version 1.0|1.1|1.2|1.3] [--timeout-ms MS]
//   exec-loop --cgroup DIR --netns PATH [--bounding-set MASK] [--program P] [--seconds S]
//             [--warmup-seconds W]
//   exec-probe --cgroup DIR --netns PATH [--bounding-set MASK] [--program P]
//   udp-flood HOST [--rate N] [--seconds S] [--first-port P] [--ports N]
//                                       one datagram per port and socket, N/s (0: as fast as
//                                       it can), to a peer the policy denies (udp_flood.h)
//
// The exec commands run on the node, not through nsfence-podexec: they place
// a worker in the pod themselves, as a container runtime would (exec_loop.h).
// MASK: the capabilities the worker keeps, 1 << CAP_* ("0xa80425fb").
// Every command takes --cpu N: run on CPU N only.
//
// Clients print one line of key=value pairs (see connect_loop.h,
// request_response.h and tls_client.h) and exit 0 when nothing failed.
// Usage errors exit 2.
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "load/connect_loop.h"
#include "load/exec_loop.h"
#include "load/request_response.h"
#include "load/server.h"
#include "load/timing.h"
#include "load/tls_client.h"
#include "load/tls_context.h"
#include "load/udp_flood.h"
#include "support/socket_address.h"

namespace nsfence::bench {
namespace {

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "nsfence-bench-load: %s\n"
               "usage: nsfence-bench-load serve PORT [--cpu N]\n"
               "       nsfence-bench-load connect-loop HOST PORT [--threads N] [--seconds S] "
               "[--warmup-seconds W] [--cpu N]\n"
               "       nsfence-bench-load tcp-rr|udp-rr HOST PORT [--seconds S] "
               "[--warmup-seconds W] [--cpu N]\n"
               "       nsfence-bench-load tls-handshakes HOST PORT --tls-ca FILE "
               "[--tls-version 1.2|1.3] [--seconds S] [--warmup-seconds W] [--cpu N]\n"
               "       nsfence-bench-load tls-bulk HOST PORT --tls-ca FILE [--write-bytes N] "
               "[--seconds S] [--warmup-seconds W] [--cpu N]\n"
               "       nsfence-bench-load tls-probe HOST PORT --tls-ca FILE "
               "[--max-version 1.0|1.1|1.2|1.3] [--timeout-ms MS] [--cpu N]\n"
               "       nsfence-bench-load exec-loop --cgroup DIR --netns PATH "
               "[--bounding-set MASK] [--program P] [--seconds S] [--warmup-seconds W] "
               "[--cpu N]\n"
               "       nsfence-bench-load exec-probe --cgroup DIR --netns PATH "
               "[--bounding-set MASK] [--program P] [--cpu N]\n"
               "       nsfence-bench-load udp-flood HOST [--rate N] [--seconds S] "
               "[--first-port P] [--ports N] [--cpu N]\n",
               problem.c_str());
  std::exit(2);
}

double ParseNumber(const std::string& text, double min, double max, const std::string& what) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= min && value <= max)) {
    Usage("bad " + what + " \"" + text + "\"");
  }
  return value;
}

uint16_t ParsePort(const std::string& text) {
  return static_cast<uint16_t>(ParseNumber(text, 1, 65534, "port"));
}

// Positionals, then "--flag VALUE" pairs from `allowed`.
struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  double Number(const std::string& flag, double fallback, double min, double max) const {
    const auto it = flags.find(flag);
    return it == flags.end() ? fallback : ParseNumber(it->second, min, max, flag);
  }
  // The flag's value; a usage error when it is missing and `fallback` is
  // nullptr.
  std::string Text(const std::string& flag, const char* fallback) const {
    const auto it = flags.find(flag);
    if (it != flags.end()) return it->second;
    if (fallback == nullptr) Usage(flag + " is required");
    return fallback;
  }
  // A TLS version flag ("1.2") as TLS1_2_VERSION.
  int TlsVersion(const std::string& flag, const char* fallback) const {
    const std::string text = Text(flag, fallback);
    const int version = TlsVersionFromText(text);
    if (version == 0) Usage("bad " + flag + " \"" + text + "\"");
    return version;
  }
};

// Applies --cpu right away, so that every command honours it.
Arguments Parse(int argc, char** argv, size_t positional_count, std::vector<std::string> allowed) {
  allowed.emplace_back("--cpu");
  Arguments args;
  for (int i = 2; i < argc; ++i) {
    const std::string word = argv[i];
    if (!word.starts_with("--")) {
      args.positional.push_back(word);
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), word) == allowed.end()) {
      Usage("unknown option " + word);
    }
    if (i + 1 >= argc) Usage(word + " needs a value");
    args.flags[word] = argv[++i];
  }
  if (args.positional.size() != positional_count) Usage("wrong number of arguments");
  if (args.flags.contains("--cpu")) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(static_cast<int>(args.Number("--cpu", 0, 0, CPU_SETSIZE - 1)), &cpus);
    if (sched_setaffinity(0, sizeof(cpus), &cpus) != 0) {
      std::perror("nsfence-bench-load: sched_setaffinity");
      std::exit(2);
    }
  }
  return args;
}

RunPhases PhasesOf(const Arguments& args) {
  RunPhases phases;
  phases.warmup = std::chrono::duration<double>(args.Number("--warmup-seconds", 0, 0, 3600));
  phases.measured = std::chrono::duration<double>(args.Number("--seconds", 1, 0.01, 3600));
  return phases;
}

SocketAddress ServerOf(const Arguments& args) {
  std::optional<SocketAddress> server =
      testing::ParseSocketAddress(args.positional[0], ParsePort(args.positional[1]));
  if (!server) Usage("not an IPv4 or IPv6 address: " + args.positional[0]);
  return *server;
}

ContainerPlacement PlacementOf(const Arguments& args) {
  ContainerPlacement placement{.cgroup = args.Text("--cgroup", nullptr),
                               .netns_path = args.Text("--netns", nullptr)};
  if (const auto it = args.flags.find("--bounding-set"); it != args.flags.end()) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long mask = std::strtoull(it->second.c_str(), &end, 0);
    if (it->second.empty() || *end != '\0' || errno != 0) {
      Usage("bad --bounding-set \"" + it->second + "\"");
    }
    placement.bounding_set = mask;
  }
  return placement;
}

int Main(int argc, char** argv) {
  if (argc < 2) Usage("no command");
  const std::string command = argv[1];
  if (command == "serve") {
    const Arguments args = Parse(argc, argv, 1, {"--tls-port", "--tls-cert-out"});
    ServerOptions options{.echo_port = ParsePort(args.positional[0])};
    if (args.flags.contains("--tls-port")) {
      options.tls_port = ParsePort(args.flags.at("--tls-port"));
      options.tls_cert_out = args.Text("--tls-cert-out", nullptr);
    }
    return RunServer(options);
  }
  if (command == "connect-loop") {
    const Arguments args = Parse(argc, argv, 2, {"--threads", "--seconds", "--warmup-seconds"});
    const int threads = static_cast<int>(args.Number("--threads", 1, 1, 64));
    return RunConnectLoop(ServerOf(args), threads, PhasesOf(args));
  }
  if (command == "tcp-rr" || command == "udp-rr") {
    const Arguments args = Parse(argc, argv, 2, {"--seconds", "--warmup-seconds"});
    return command == "tcp-rr" ? RunTcpRequestResponse(ServerOf(args), PhasesOf(args))
                               : RunUdpRequestResponse(ServerOf(args), PhasesOf(args));
  }
  if (command == "tls-handshakes") {
    const Arguments args =
        Parse(argc, argv, 2, {"--tls-ca", "--tls-version", "--seconds", "--warmup-seconds"});
    const int version = args.TlsVersion("--tls-version", "1.3");
    if (version < TLS1_2_VERSION) Usage("--tls-version must be 1.2 or 1.3");
    return RunTlsHandshakes(ServerOf(args), args.Text("--tls-ca", nullptr), version,
                            PhasesOf(args));
  }
  if (command == "tls-bulk") {
    const Arguments args =
        Parse(argc, argv, 2, {"--tls-ca", "--write-bytes", "--seconds", "--warmup-seconds"});
    const int write_bytes = static_cast<int>(args.Number("--write-bytes", 16384, 1, 16384));
    return RunTlsBulk(ServerOf(args), args.Text("--tls-ca", nullptr), write_bytes, PhasesOf(args));
  }
  if (command == "tls-probe") {
    const Arguments args = Parse(argc, argv, 2, {"--tls-ca", "--max-version", "--timeout-ms"});
    return RunTlsProbe(ServerOf(args), args.Text("--tls-ca", nullptr),
                       args.TlsVersion("--max-version", "1.1"),
                       static_cast<int>(args.Number("--timeout-ms", 2000, 1, 60000)));
  }
  if (command == "exec-loop") {
    const Arguments args = Parse(
        argc, argv, 0,
        {"--cgroup", "--netns", "--bounding-set", "--program", "--seconds", "--warmup-seconds"});
    return RunExecLoop(PlacementOf(args), args.Text("--program", "/bin/true"), PhasesOf(args));
  }
  if (command == "exec-probe") {
    const Arguments args =
        Parse(argc, argv, 0, {"--cgroup", "--netns", "--bounding-set", "--program"});
    return RunExecProbe(PlacementOf(args), args.Text("--program", "/bin/true"));
  }
  if (command == "udp-flood") {
    const Arguments args =
        Parse(argc, argv, 1, {"--rate", "--seconds", "--first-port", "--ports"});
    UdpFloodOptions options{
        .first_port = ParsePort(args.Text("--first-port", "1024")),
        .rate = args.Number("--rate", 0, 0, 1e9),
        .seconds = args.Number("--seconds", 1, 0.001, 3600),
    };
    options.ports = static_cast<int>(args.Number("--ports", 65536 - options.first_port, 1,
                                                 65536 - options.first_port));
    std::optional<SocketAddress> peer = testing::ParseSocketAddress(args.positional[0], 0);
    if (!peer) Usage("not an IPv4 or IPv6 address: " + args.positional[0]);
    options.peer = *peer;
    return RunUdpFlood(options);
  }
  Usage("unknown command " + command);
}

}  // namespace
}  // namespace nsfence::bench

int main(int argc, char** argv) { return nsfence::bench::Main(argc, argv); }
