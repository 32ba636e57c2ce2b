// How much of a BPF ring buffer the kernel has written and the reader not yet
// consumed: producer position - consumer position, read from the ring
// buffer's first two pages (mapped read-only; libbpf 1.1 has no call for it).
#ifndef NSFENCE_METRICS_RINGBUF_USAGE_H_
#define NSFENCE_METRICS_RINGBUF_USAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"

namespace nsfence::metrics {

class RingbufUsage {
 public:
  // Maps the consumer and producer pages of the BPF_MAP_TYPE_RINGBUF `map_fd`
  // (not owned; the mapping keeps the ring buffer alive).
  static absl::StatusOr<std::unique_ptr<RingbufUsage>> Open(int map_fd);
  ~RingbufUsage();
  RingbufUsage(const RingbufUsage&) = delete;
  RingbufUsage& operator=(const RingbufUsage&) = delete;

  // Bytes reserved by the programs (records and their 8-byte headers) that
  // the reader has not consumed yet.
  uint64_t used_bytes() const;

 private:
  RingbufUsage(void* pages, size_t page_size) : pages_(pages), page_size_(page_size) {}

  void* pages_;
  size_t page_size_;
};

}  // namespace nsfence::metrics

#endif  // NSFENCE_METRICS_RINGBUF_USAGE_H_
