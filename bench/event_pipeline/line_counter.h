// Reads the agent's stdout (a pipe) on a thread of its own as fast as the
// agent writes, and keeps only what the benchmark needs: how many lines,
// how many of them network events, the first few in full, and when the last
// bytes arrived. Counting is cheap (memchr and a substring test per line),
// so the reader takes little of the CPU the agent competes for.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_LINE_COUNTER_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_LINE_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nsfence::bench {

class LineCounter {
 public:
  // Takes `fd` (the read end), closed on destruction; keeps the first
  // `keep` lines.
  LineCounter(int fd, size_t keep);
  LineCounter(const LineCounter&) = delete;
  LineCounter& operator=(const LineCounter&) = delete;
  // Waits for the end of the stream (the writer must be gone or closing).
  ~LineCounter();

  // Complete lines so far, and those holding "kind":"network".
  uint64_t lines() const { return lines_.load(std::memory_order_acquire); }
  uint64_t network_lines() const { return network_lines_.load(std::memory_order_acquire); }
  // CLOCK_MONOTONIC nanoseconds of the last read that returned data; 0 before.
  int64_t last_data_ns() const { return last_data_ns_.load(std::memory_order_acquire); }
  std::vector<std::string> first_lines() const;
  // Blocks until the writer closed its end.
  void WaitForEnd();

 private:
  void Run();
  void CountLines(const char* data, size_t size);

  int fd_;
  size_t keep_;
  std::string partial_;  // a line split across reads
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> network_lines_{0};
  std::atomic<int64_t> last_data_ns_{0};
  mutable std::mutex first_mutex_;
  std::vector<std::string> first_;
  std::thread thread_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_LINE_COUNTER_H_
