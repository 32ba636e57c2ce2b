// nsfence-netprobe: one network action per run, reported on stdout.
//
//   tcp-connect HOST PORT [--timeout-ms N] [--send TEXT] [--expect TEXT]
//   tcp-chat HOST PORT [--timeout-ms N]
//   udp-send HOST PORT [--timeout-ms N] [--expect-reply] [--connected]
//   tcp-serve PORT [--bind ADDR]
//   udp-echo PORT [--bind ADDR]
//   udp-flood HOST FIRST_PORT COUNT
//
// Probes print one line, "ok" (exit 0) or "error <ERRNONAME> <strerror>"
// (exit 1), e.g. "error EPERM Operation not permitted"; a timeout is
// ETIMEDOUT, an echo that differs from --expect is EBADMSG. HOST is IPv4 or
// IPv6. Servers print "listening" once ready, then echo what they receive
// until killed; without --bind they take IPv4 and IPv6 on one socket.
// udp-flood sends one datagram from one unconnected socket to each port
// FIRST_PORT..FIRST_PORT+COUNT-1 as fast as it can (each a flow of its own)
// and prints "sent S denied D" (exit 0): S went out, D were refused with
// EPERM; any other error ends it as a probe error.
// tcp-chat keeps one connection: "connected", then "echo N" for each line the
// server echoed, until one is not echoed within --timeout-ms: then it fails
// like a probe.
// Usage errors exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/socket_address.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDefaultTimeoutMs = 2000;
constexpr char kUdpPayload[] = "nsfence-netprobe";

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "nsfence-netprobe: %s\n"
               "usage: nsfence-netprobe tcp-connect HOST PORT [--timeout-ms N] [--send TEXT] "
               "[--expect TEXT]\n"
               "       nsfence-netprobe tcp-chat HOST PORT [--timeout-ms N]\n"
               "       nsfence-netprobe udp-send HOST PORT [--timeout-ms N] [--expect-reply] "
               "[--connected]\n"
               "       nsfence-netprobe tcp-serve PORT [--bind ADDR]\n"
               "       nsfence-netprobe udp-echo PORT [--bind ADDR]\n"
               "       nsfence-netprobe udp-flood HOST FIRST_PORT COUNT\n",
               problem.c_str());
  std::exit(2);
}

void PrintLine(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

[[noreturn]] void Succeed() {
  PrintLine("ok");
  std::exit(0);
}

[[noreturn]] void FailWith(int err, const std::string& detail = "") {
  const char* name = strerrorname_np(err);
  PrintLine(std::string("error ") + (name != nullptr ? name : std::to_string(err)) + " " +
            std::strerror(err) + detail);
  std::exit(1);
}

// Command-line words after the subcommand: positionals, "--flag VALUE" and
// "--switch".
struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> switches;

  std::string Value(const std::string& flag, const std::string& fallback) const {
    const auto it = values.find(flag);
    return it == values.end() ? fallback : it->second;
  }
  bool Has(const std::string& flag) const {
    return values.contains(flag) || switches.contains(flag);
  }
};

Arguments ParseArguments(int argc, char** argv, size_t positional_count,
                         const std::set<std::string>& value_flags,
                         const std::set<std::string>& switch_flags) {
  Arguments args;
  for (int i = 2; i < argc; ++i) {
    const std::string word = argv[i];
    if (value_flags.contains(word)) {
      if (i + 1 >= argc) Usage(word + " needs a value");
      args.values[word] = argv[++i];
    } else if (switch_flags.contains(word)) {
      args.switches.insert(word);
    } else if (word.starts_with("--")) {
      Usage("unknown option " + word);
    } else {
      args.positional.push_back(word);
    }
  }
  if (args.positional.size() != positional_count) Usage("wrong number of arguments");
  return args;
}

int ParseNumber(const std::string& text, int min, int max, const char* what) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > max) {
    Usage(std::string("bad ") + what + " " + text);
  }
  return static_cast<int>(value);
}

using ::nsfence::testing::SocketAddress;

// "10.0.0.1", "fd00::1" or "[fd00::1]".
SocketAddress ParseAddress(const std::string& host, int port) {
  std::optional<SocketAddress> address = ::nsfence::testing::ParseSocketAddress(host, port);
  if (!address) Usage("not an IPv4 or IPv6 address: " + host);
  return *address;
}

int PortArgument(const std::string& text) { return ParseNumber(text, 1, 65535, "port"); }

Clock::time_point DeadlineFrom(const Arguments& args) {
  const int timeout_ms = ParseNumber(args.Value("--timeout-ms", std::to_string(kDefaultTimeoutMs)),
                                     0, 3600000, "timeout");
  return Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// Waits until `fd` has `events` or the deadline passes; fails with
// ETIMEDOUT then.
void AwaitOrTimeOut(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p = {fd, events, 0};
    const int ready = poll(&p, 1, left > 0 ? static_cast<int>(left) : 0);
    if (ready > 0) return;
    if (ready == 0) FailWith(ETIMEDOUT);
    if (errno != EINTR) FailWith(errno);
  }
}

int OpenSocket(int family, int type) {
  const int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) FailWith(errno);
  return fd;
}

void ConnectOrFail(int fd, const SocketAddress& address, Clock::time_point deadline) {
  if (connect(fd, address.get(), address.length) == 0) return;
  if (errno != EINPROGRESS) FailWith(errno);
  AwaitOrTimeOut(fd, POLLOUT, deadline);
  int err = 0;
  socklen_t length = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) FailWith(errno);
  if (err != 0) FailWith(err);
}

void SendAllOrFail(int fd, const std::string& text, Clock::time_point deadline) {
  for (size_t sent = 0; sent < text.size();) {
    const ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += n;
    } else if (errno == EAGAIN) {
      AwaitOrTimeOut(fd, POLLOUT, deadline);
    } else if (errno != EINTR) {
      FailWith(errno);
    }
  }
}

// Reads until `size` bytes came or the peer closed; fails on errors and at the deadline.
std::string ReceiveOrFail(int fd, size_t size, Clock::time_point deadline) {
  std::string received;
  while (received.size() < size) {
    char buffer[4096];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      received.append(buffer, n);
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN) {
      AwaitOrTimeOut(fd, POLLIN, deadline);
    } else if (errno != EINTR) {
      FailWith(errno);
    }
  }
  return received;
}

[[noreturn]] void TcpConnect(const Arguments& args) {
  const Clock::time_point deadline = DeadlineFrom(args);
  const SocketAddress address = ParseAddress(args.positional[0], PortArgument(args.positional[1]));
  const int fd = OpenSocket(address.family(), SOCK_STREAM);
  ConnectOrFail(fd, address, deadline);
  SendAllOrFail(fd, args.Value("--send", ""), deadline);
  if (!args.Has("--expect")) Succeed();
  const std::string expected = args.Value("--expect", "");
  const std::string received = ReceiveOrFail(fd, expected.size(), deadline);
  if (received != expected) {
    FailWith(EBADMSG, " (expected \"" + expected + "\", got \"" + received + "\")");
  }
  Succeed();
}

// One connection kept talking: a line echoed every 100 ms, each within --timeout-ms.
[[noreturn]] void TcpChat(const Arguments& args) {
  const SocketAddress address = ParseAddress(args.positional[0], PortArgument(args.positional[1]));
  const int fd = OpenSocket(address.family(), SOCK_STREAM);
  ConnectOrFail(fd, address, DeadlineFrom(args));
  PrintLine("connected");
  const std::string line = "ping\n";
  for (int round = 1;; ++round) {
    const Clock::time_point deadline = DeadlineFrom(args);
    SendAllOrFail(fd, line, deadline);
    const std::string echoed = ReceiveOrFail(fd, line.size(), deadline);
    if (echoed != line) FailWith(echoed.empty() ? ECONNRESET : EBADMSG);
    PrintLine("echo " + std::to_string(round));
    usleep(100000);
  }
}

[[noreturn]] void UdpSend(const Arguments& args) {
  const Clock::time_point deadline = DeadlineFrom(args);
  const SocketAddress address = ParseAddress(args.positional[0], PortArgument(args.positional[1]));
  const int fd = OpenSocket(address.family(), SOCK_DGRAM);
  ssize_t sent;
  if (args.Has("--connected")) {
    if (connect(fd, address.get(), address.length) != 0) FailWith(errno);
    sent = send(fd, kUdpPayload, sizeof(kUdpPayload) - 1, MSG_NOSIGNAL);
  } else {
    sent = sendto(fd, kUdpPayload, sizeof(kUdpPayload) - 1, MSG_NOSIGNAL, address.get(),
                  address.length);
  }
  if (sent < 0) FailWith(errno);
  if (!args.Has("--expect-reply")) Succeed();
  for (;;) {
    AwaitOrTimeOut(fd, POLLIN, deadline);
    char buffer[2048];
    if (recv(fd, buffer, sizeof(buffer), 0) >= 0) Succeed();
    if (errno != EAGAIN && errno != EINTR) FailWith(errno);
  }
}

[[noreturn]] void UdpFlood(const Arguments& args) {
  const int first_port = PortArgument(args.positional[1]);
  const int count = ParseNumber(args.positional[2], 1, 65536 - first_port, "count");
  SocketAddress address = ParseAddress(args.positional[0], first_port);
  // Blocking: a full send queue waits instead of failing with EAGAIN.
  const int fd = socket(address.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) FailWith(errno);
  long sent = 0, denied = 0;
  for (int i = 0; i < count; ++i) {
    address = ParseAddress(args.positional[0], first_port + i);
    for (;;) {
      if (sendto(fd, kUdpPayload, sizeof(kUdpPayload) - 1, MSG_NOSIGNAL, address.get(),
                 address.length) >= 0) {
        ++sent;
      } else if (errno == EPERM) {
        ++denied;
      } else if (errno == EINTR) {
        continue;
      } else {
        FailWith(errno, " (after sent " + std::to_string(sent) + " denied " +
                            std::to_string(denied) + ")");
      }
      break;
    }
  }
  PrintLine("sent " + std::to_string(sent) + " denied " + std::to_string(denied));
  std::exit(0);
}

// A bound socket: on ADDR when given, else on :: taking IPv4 as well.
int ServerSocket(const Arguments& args, int type) {
  const int port = PortArgument(args.positional[0]);
  const SocketAddress address = ParseAddress(args.Value("--bind", "::"), port);
  const int fd = socket(address.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) FailWith(errno);
  const int on = 1, off = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (address.family() == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) != 0) {
    FailWith(errno);
  }
  if (bind(fd, address.get(), address.length) != 0) FailWith(errno);
  return fd;
}

// Blocking; false when the peer is gone.
bool SendAll(int fd, const char* data, size_t size) {
  for (size_t sent = 0; sent < size;) {
    const ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR) return false;
    if (n > 0) sent += n;
  }
  return true;
}

void EchoConnection(int fd) {
  char buffer[16384];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !SendAll(fd, buffer, n)) break;
  }
  close(fd);
}

[[noreturn]] void TcpServe(const Arguments& args) {
  const int listener = ServerSocket(args, SOCK_STREAM);
  if (listen(listener, SOMAXCONN) != 0) FailWith(errno);
  PrintLine("listening");
  for (;;) {
    const int connection = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    // One thread per connection: a slow peer stalls only itself.
    if (connection >= 0) std::thread(EchoConnection, connection).detach();
  }
}

[[noreturn]] void UdpEcho(const Arguments& args) {
  const int fd = ServerSocket(args, SOCK_DGRAM);
  PrintLine("listening");
  for (;;) {
    char buffer[65536];
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof(peer);
    const ssize_t n =
        recvfrom(fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (n >= 0) {
      sendto(fd, buffer, n, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&peer), peer_length);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("no command");
  const std::string command = argv[1];
  if (command == "tcp-connect") {
    TcpConnect(ParseArguments(argc, argv, 2, {"--timeout-ms", "--send", "--expect"}, {}));
  } else if (command == "tcp-chat") {
    TcpChat(ParseArguments(argc, argv, 2, {"--timeout-ms"}, {}));
  } else if (command == "udp-send") {
    UdpSend(ParseArguments(argc, argv, 2, {"--timeout-ms"}, {"--expect-reply", "--connected"}));
  } else if (command == "tcp-serve") {
    TcpServe(ParseArguments(argc, argv, 1, {"--bind"}, {}));
  } else if (command == "udp-echo") {
    UdpEcho(ParseArguments(argc, argv, 1, {"--bind"}, {}));
  } else if (command == "udp-flood") {
    UdpFlood(ParseArguments(argc, argv, 3, {}, {}));
  }
  Usage("unknown command " + command);
}
