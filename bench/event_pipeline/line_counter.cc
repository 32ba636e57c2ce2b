#include "line_counter.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace nsfence::bench {
namespace {

constexpr size_t kReadBytes = 1 << 20;
constexpr std::string_view kNetworkKind = R"("kind":"network")";

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace

LineCounter::LineCounter(int fd, size_t keep) : fd_(fd), keep_(keep), thread_([this] { Run(); }) {}

LineCounter::~LineCounter() {
  WaitForEnd();
  close(fd_);
}

void LineCounter::WaitForEnd() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> LineCounter::first_lines() const {
  const std::lock_guard<std::mutex> lock(first_mutex_);
  return first_;
}

void LineCounter::Run() {
  std::vector<char> buffer(kReadBytes);
  for (;;) {
    const ssize_t n = read(fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    CountLines(buffer.data(), static_cast<size_t>(n));
    last_data_ns_.store(MonotonicNs(), std::memory_order_release);
  }
}

void LineCounter::CountLines(const char* data, size_t size) {
  uint64_t lines = 0, network = 0;
  const char* const end = data + size;
  for (const char* line = data; line < end;) {
    const auto* newline = static_cast<const char*>(std::memchr(line, '\n', end - line));
    if (newline == nullptr) {
      partial_.append(line, end - line);
      break;
    }
    std::string_view text(line, newline - line);
    if (!partial_.empty()) {
      partial_.append(text);
      text = partial_;
    }
    ++lines;
    if (text.find(kNetworkKind) != std::string_view::npos) ++network;
    if (first_.size() < keep_) {
      const std::lock_guard<std::mutex> lock(first_mutex_);
      first_.emplace_back(text);
    }
    partial_.clear();
    line = newline + 1;
  }
  network_lines_.fetch_add(network, std::memory_order_acq_rel);
  lines_.fetch_add(lines, std::memory_order_acq_rel);
}

}  // namespace nsfence::bench
