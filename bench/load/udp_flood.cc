#include "load/udp_flood.h"

#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace nsfence::bench {
namespace {

constexpr char kPayload[] = "nsfence-event-bench";
// Unpaced, the clock is read once per this many sends.
constexpr int64_t kUnpacedBurst = 64;
// Paced, at most this much of the rate goes out at once: a wake-up per
// millisecond, not per datagram (in a VM a timer wake-up costs as much as
// tens of sends).
constexpr double kPacedBurstSeconds = 1e-3;

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void SleepUntilNs(int64_t ns) {
  const timespec until = {.tv_sec = ns / 1'000'000'000LL, .tv_nsec = ns % 1'000'000'000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

void SetPort(SocketAddress& address, uint16_t port) {
  if (address.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&address.storage)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&address.storage)->sin6_port = htons(port);
  }
}

struct Counts {
  int64_t sends = 0;
  int64_t sent = 0;
  int64_t denied = 0;
  int64_t errors = 0;
  int first_error = 0;
  int64_t sockets = 0;
};

// Sends to the ports of the range in turn, a fresh socket per pass.
class Flooder {
 public:
  explicit Flooder(const UdpFloodOptions& options) : options_(options), peer_(options.peer) {}
  ~Flooder() {
    if (fd_ >= 0) close(fd_);
  }
  Flooder(const Flooder&) = delete;
  Flooder& operator=(const Flooder&) = delete;

  // False when no socket can be opened.
  bool SendOne() {
    if (fd_ < 0 || next_ == options_.ports) {
      if (fd_ >= 0) close(fd_);
      // Blocking: a full send queue waits (without an agent) instead of failing.
      fd_ = socket(peer_.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0) {
        Failed(errno);
        return false;
      }
      ++counts_.sockets;
      next_ = 0;
    }
    SetPort(peer_, static_cast<uint16_t>(options_.first_port + next_++));
    ++counts_.sends;
    for (;;) {
      if (sendto(fd_, kPayload, sizeof(kPayload) - 1, MSG_NOSIGNAL, peer_.get(), peer_.length) >=
          0) {
        ++counts_.sent;
      } else if (errno == EPERM) {
        ++counts_.denied;
      } else if (errno == EINTR) {
        continue;
      } else {
        Failed(errno);
      }
      return true;
    }
  }

  const Counts& counts() const { return counts_; }

 private:
  void Failed(int error) {
    if (counts_.errors++ == 0) counts_.first_error = error;
  }

  const UdpFloodOptions& options_;
  SocketAddress peer_;
  int fd_ = -1;
  int next_ = 0;
  Counts counts_;
};

}  // namespace

int RunUdpFlood(const UdpFloodOptions& options) {
  // Sleeps of a paced flood end on time, not up to 50 us late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  Flooder flooder(options);
  const bool paced = options.rate > 0;
  const int64_t total = paced ? std::llround(options.rate * options.seconds)
                              : std::numeric_limits<int64_t>::max();
  const int64_t burst =
      paced ? std::max<int64_t>(1, std::llround(options.rate * kPacedBurstSeconds)) : kUnpacedBurst;
  const double ns_per_send = paced ? 1e9 / options.rate : 0;
  const int64_t start = MonotonicNs();
  const int64_t stop = start + std::llround(options.seconds * 1e9);
  int64_t end = start;
  bool ok = true;
  while (ok && flooder.counts().sends < total) {
    const int64_t now = MonotonicNs();
    // Behind a rate it cannot keep, it still stops on time.
    if (now >= stop) break;
    const int64_t sends = flooder.counts().sends;
    int64_t n = burst;
    if (paced) {
      const int64_t due =
          std::min(total, static_cast<int64_t>(static_cast<double>(now - start) / ns_per_send) + 1);
      if (sends >= due) {
        // Until a burst is due (or the last sends are).
        const int64_t next = std::min(total, sends + burst) - 1;
        SleepUntilNs(start + static_cast<int64_t>(static_cast<double>(next) * ns_per_send));
        continue;
      }
      n = std::min(burst, due - sends);
    }
    for (int64_t i = 0; i < n && ok; ++i) ok = flooder.SendOne();
    end = MonotonicNs();
  }
  const Counts& c = flooder.counts();
  std::printf("sends=%lld sent=%lld denied=%lld seconds=%.6f start_ns=%lld end_ns=%lld "
              "sockets=%lld errors=%lld",
              static_cast<long long>(c.sends), static_cast<long long>(c.sent),
              static_cast<long long>(c.denied), static_cast<double>(end - start) / 1e9,
              static_cast<long long>(start), static_cast<long long>(end),
              static_cast<long long>(c.sockets), static_cast<long long>(c.errors));
  if (c.errors > 0) {
    const char* name = strerrorname_np(c.first_error);
    std::printf(" first_error=%s", name != nullptr ? name : "unknown");
  }
  std::printf("\n");
  return c.errors == 0 ? 0 : 1;
}

}  // namespace nsfence::bench
