#include "load/connect_loop.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace nsfence::bench {
namespace {

// How long one connection may take before it counts as failed.
constexpr timeval kIoTimeout = {.tv_sec = 2, .tv_usec = 0};

struct LoopCount {
  int64_t connections = 0;
  int64_t errors = 0;
  int first_error = 0;
};

// 0, or the errno of the step that failed.
int OneConnection(const SocketAddress& server) {
  const int fd = socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kIoTimeout, sizeof(kIoTimeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kIoTimeout, sizeof(kIoTimeout));
  int error = 0;
  if (connect(fd, server.get(), server.length) != 0) {
    error = errno;
  } else {
    char byte;
    const ssize_t n = read(fd, &byte, 1);
    if (n < 0) error = errno;
    if (n > 0) error = EPROTO;
  }
  // A reset instead of a FIN: the connection leaves no TIME_WAIT behind.
  const linger abort_on_close = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  close(fd);
  return error;
}

void Loop(const SocketAddress& server, Clock::time_point until, LoopCount* count) {
  while (Clock::now() < until) {
    const int error = OneConnection(server);
    if (error == 0) {
      ++count->connections;
    } else {
      if (count->errors++ == 0) count->first_error = error;
    }
  }
}

}  // namespace

int RunConnectLoop(const SocketAddress& server, int threads, const RunPhases& phases) {
  std::vector<LoopCount> warmup(threads), measured(threads);
  Clock::time_point start, end;
  {
    // Every thread warms up, then all measure over the same interval.
    const Clock::time_point warm_until =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(phases.warmup);
    start = warm_until;
    end = start + std::chrono::duration_cast<Clock::duration>(phases.measured);
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        Loop(server, warm_until, &warmup[i]);
        Loop(server, end, &measured[i]);
      });
    }
    for (std::thread& worker : workers) worker.join();
  }
  LoopCount total;
  int64_t warmup_connections = 0;
  for (const LoopCount& c : measured) {
    total.connections += c.connections;
    if (total.errors == 0 && c.errors > 0) total.first_error = c.first_error;
    total.errors += c.errors;
  }
  for (const LoopCount& c : warmup) {
    warmup_connections += c.connections;
    if (total.errors == 0 && c.errors > 0) total.first_error = c.first_error;
    total.errors += c.errors;
  }
  // The last connection of each thread may end after `end`.
  const double seconds = SecondsBetween(start, std::max(end, Clock::now()));
  std::printf("connections=%lld seconds=%.3f warmup_connections=%lld errors=%lld",
              static_cast<long long>(total.connections), seconds,
              static_cast<long long>(warmup_connections), static_cast<long long>(total.errors));
  if (total.errors > 0) {
    const char* name = strerrorname_np(total.first_error);
    std::printf(" first_error=%s", name != nullptr ? name : "?");
  }
  std::printf("\n");
  return total.errors == 0 ? 0 : 1;
}

}  // namespace nsfence::bench
