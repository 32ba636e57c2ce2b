#include "metrics/ringbuf_usage.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"

namespace nsfence::metrics {

absl::StatusOr<std::unique_ptr<RingbufUsage>> RingbufUsage::Open(int map_fd) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // Page 0: the consumer position (the reader's), page 1: the producer's.
  void* pages = mmap(nullptr, 2 * page, PROT_READ, MAP_SHARED, map_fd, 0);
  if (pages == MAP_FAILED) return ErrnoStatus(errno, "mapping the ring buffer's positions");
  return std::unique_ptr<RingbufUsage>(new RingbufUsage(pages, page));
}

RingbufUsage::~RingbufUsage() { munmap(pages_, 2 * page_size_); }

uint64_t RingbufUsage::used_bytes() const {
  const auto* consumer = static_cast<const uint64_t*>(pages_);
  const auto* producer = reinterpret_cast<const uint64_t*>(static_cast<const char*>(pages_) + page_size_);
  // Consumer first: it never passes the producer, so the difference is >= 0.
  const uint64_t consumed = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
  const uint64_t produced = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
  return produced >= consumed ? produced - consumed : 0;
}

}  // namespace nsfence::metrics
