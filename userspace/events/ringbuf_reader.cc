#include "events/ringbuf_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>

#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "events/decode.h"

namespace nsfence::events {
namespace {

// After a drain that found records, the next batch gets up to this long to
// build up; a drain ends when one finds none, or after kMaxBatching, so
// that the agent's loop (stdout flush, timers, signals) turns at least that
// often.
constexpr absl::Duration kBatchWait = absl::Microseconds(200);
constexpr absl::Duration kMaxBatching = absl::Milliseconds(20);
// A wait is cut to how long the last batch's rate takes to fill this much
// of the ring buffer, less the timer slack a sleep may overrun by; no wait
// at all when that leaves nothing.
constexpr uint64_t kFillDivisor = 4;  // a quarter
constexpr absl::Duration kTimerSlack = absl::Microseconds(50);
// Each record's header in the ring buffer (BPF_RINGBUF_HDR_SZ).
constexpr size_t kRecordHeader = 8;

}  // namespace

absl::StatusOr<std::unique_ptr<RingbufReader>> RingbufReader::Open(int ringbuf_map_fd, Handler handler) {
  std::unique_ptr<RingbufReader> r(new RingbufReader(std::move(handler)));
  r->rb_ = ring_buffer__new(ringbuf_map_fd, &RingbufReader::OnRecord, r.get(), nullptr);
  if (r->rb_ == nullptr) return ErrnoStatus(errno, "opening the violation ring buffer");
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  // Unknown size: no batching (ring_bytes_ stays 0).
  if (bpf_obj_get_info_by_fd(ringbuf_map_fd, &info, &length) == 0) r->ring_bytes_ = info.max_entries;
  r->last_drain_ = absl::Now();
  return r;
}

RingbufReader::~RingbufReader() { ring_buffer__free(rb_); }

int RingbufReader::epoll_fd() const { return ring_buffer__epoll_fd(rb_); }

// The kernel wakes the reader for a record only when the reader has read
// everything before it, from the sending task's syscall (in a VM that
// wake-up, an interrupt the CPU sends itself, costs as much as the rest of
// the report). A reader that keeps up would be woken for nearly every
// record of a flood; one that waits a little after each batch, once per
// batch.
absl::StatusOr<int> RingbufReader::Drain() {
  int total = 0;
  const absl::Time start = absl::Now();
  absl::Time since = last_drain_;  // the records of a round came after this
  for (;;) {
    batch_bytes_ = 0;
    const int n = ring_buffer__consume(rb_);
    if (n < 0) return ErrnoStatus(-n, "reading the violation ring buffer");
    total += n;
    const absl::Time now = absl::Now();
    last_drain_ = now;
    if (n == 0 || now - start >= kMaxBatching || ring_bytes_ == 0) return total;
    const absl::Duration fill = (now - since) * static_cast<double>(ring_bytes_) /
                                static_cast<double>(batch_bytes_ * kFillDivisor);
    const absl::Duration wait = std::min(kBatchWait, fill - kTimerSlack);
    if (wait <= absl::ZeroDuration()) return total;
    since = now;
    absl::SleepFor(wait);
  }
}

int RingbufReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingbufReader*>(ctx);
  self->batch_bytes_ += size + kRecordHeader;
  absl::StatusOr<Record> e = DecodeRecord(data, size);
  if (!e.ok()) {
    ++self->undecodable_;
    return 0;
  }
  self->handler_(*e);
  return 0;
}

}  // namespace nsfence::events
