#include "events/ringbuf_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "common/errno_status.h"
#include "events/decode.h"

namespace nsfence::events {

absl::StatusOr<std::unique_ptr<RingbufReader>> RingbufReader::Open(int ringbuf_map_fd, Handler handler) {
  std::unique_ptr<RingbufReader> r(new RingbufReader(std::move(handler)));
  r->rb_ = ring_buffer__new(ringbuf_map_fd, &RingbufReader::OnRecord, r.get(), nullptr);
  if (r->rb_ == nullptr) return ErrnoStatus(errno, "opening the violation ring buffer");
  return r;
}

RingbufReader::~RingbufReader() { ring_buffer__free(rb_); }

int RingbufReader::epoll_fd() const { return ring_buffer__epoll_fd(rb_); }

absl::StatusOr<int> RingbufReader::Drain() {
  const int n = ring_buffer__consume(rb_);
  if (n < 0) return ErrnoStatus(-n, "reading the violation ring buffer");
  return n;
}

int RingbufReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingbufReader*>(ctx);
  absl::StatusOr<Record> e = DecodeRecord(data, size);
  if (!e.ok()) {
    ++self->undecodable_;
    return 0;
  }
  self->handler_(*e);
  return 0;
}

}  // namespace nsfence::events
