// nsfence-bench-load: the load nsfence-bench runs inside pods.
//
//   serve PORT                          TCP+UDP echo on PORT, TCP accept-and-close on PORT+1
//   connect-loop HOST PORT [--threads N] [--seconds S] [--warmup-seconds W]
//   tcp-rr HOST PORT [--seconds S] [--warmup-seconds W]
//   udp-rr HOST PORT [--seconds S] [--warmup-seconds W]
//
// Every command takes --cpu N: run on CPU N only.
//
// Clients print one line of key=value pairs (see connect_loop.h and
// request_response.h) and exit 0 when nothing failed. Usage errors exit 2.
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "load/connect_loop.h"
#include "load/request_response.h"
#include "load/server.h"
#include "support/socket_address.h"
#include "load/timing.h"

namespace nsfence::bench {
namespace {

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "nsfence-bench-load: %s\n"
               "usage: nsfence-bench-load serve PORT [--cpu N]\n"
               "       nsfence-bench-load connect-loop HOST PORT [--threads N] [--seconds S] "
               "[--warmup-seconds W] [--cpu N]\n"
               "       nsfence-bench-load tcp-rr|udp-rr HOST PORT [--seconds S] "
               "[--warmup-seconds W] [--cpu N]\n",
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

int Main(int argc, char** argv) {
  if (argc < 2) Usage("no command");
  const std::string command = argv[1];
  if (command == "serve") {
    return RunServer(ParsePort(Parse(argc, argv, 1, {}).positional[0]));
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
  Usage("unknown command " + command);
}

}  // namespace
}  // namespace nsfence::bench

int main(int argc, char** argv) { return nsfence::bench::Main(argc, argv); }
