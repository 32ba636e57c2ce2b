#include "load/request_response.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "load/latency_summary.h"

namespace nsfence::bench {
namespace {

// A reply later than this counts as lost.
constexpr timeval kReplyTimeout = {.tv_sec = 1, .tv_usec = 0};

// One request; 0 or the errno of what failed.
using Exchange = std::function<int()>;

int Report(std::vector<int64_t>& samples, int64_t warmup_requests, int64_t errors,
           int first_error) {
  std::printf("%s warmup_requests=%lld errors=%lld", ToKeyValues(Summarize(samples)).c_str(),
              static_cast<long long>(warmup_requests), static_cast<long long>(errors));
  if (errors > 0) {
    const char* name = strerrorname_np(first_error);
    std::printf(" first_error=%s", name != nullptr ? name : "?");
  }
  std::printf("\n");
  return errors == 0 ? 0 : 1;
}

int Measure(const Exchange& exchange, const RunPhases& phases) {
  int64_t errors = 0;
  int64_t warmup_requests = 0;
  int first_error = 0;
  // Without `samples`: the warm-up, only counted.
  const auto run_until = [&](Clock::time_point until, std::vector<int64_t>* samples) {
    for (Clock::time_point now = Clock::now(); now < until;) {
      const int error = exchange();
      const Clock::time_point done = Clock::now();
      if (error != 0) {
        if (errors++ == 0) first_error = error;
      } else if (samples != nullptr) {
        samples->push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(done - now).count());
      } else {
        ++warmup_requests;
      }
      now = done;
    }
  };
  const Clock::time_point start = Clock::now();
  const Clock::time_point warm_until =
      start + std::chrono::duration_cast<Clock::duration>(phases.warmup);
  run_until(warm_until, nullptr);
  std::vector<int64_t> samples;
  samples.reserve(1 << 20);
  run_until(warm_until + std::chrono::duration_cast<Clock::duration>(phases.measured), &samples);
  return Report(samples, warmup_requests, errors, first_error);
}

void SetTimeouts(int fd) {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kReplyTimeout, sizeof(kReplyTimeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kReplyTimeout, sizeof(kReplyTimeout));
}

int FailSetup(const char* what) {
  const int error = errno;
  std::vector<int64_t> none;
  std::fprintf(stderr, "nsfence-bench-load: %s: %s\n", what, std::strerror(error));
  return Report(none, 0, 1, error);
}

}  // namespace

int RunTcpRequestResponse(const SocketAddress& server, const RunPhases& phases) {
  const int fd = socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return FailSetup("socket");
  SetTimeouts(fd);
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (connect(fd, server.get(), server.length) != 0) return FailSetup("connect");
  const int result = Measure(
      [fd] {
        char byte = 'x';
        if (write(fd, &byte, 1) != 1) return errno != 0 ? errno : EPIPE;
        const ssize_t n = read(fd, &byte, 1);
        if (n == 1) return 0;
        return n == 0 ? ECONNRESET : errno;
      },
      phases);
  close(fd);
  return result;
}

int RunUdpRequestResponse(const SocketAddress& server, const RunPhases& phases) {
  const int fd = socket(server.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return FailSetup("socket");
  SetTimeouts(fd);
  const int result = Measure(
      [fd, &server] {
        char byte = 'x';
        if (sendto(fd, &byte, 1, 0, server.get(), server.length) != 1) return errno;
        return recv(fd, &byte, 1, 0) == 1 ? 0 : errno;
      },
      phases);
  close(fd);
  return result;
}

}  // namespace nsfence::bench
