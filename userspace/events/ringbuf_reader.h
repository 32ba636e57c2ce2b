// Reads violation records (network, TLS, exec, device) from the kernel's
// ring buffer and hands each one, decoded, to a callback. Records the agent
// cannot decode (too short, or of an unknown kind) are counted.
#ifndef NSFENCE_EVENTS_RINGBUF_READER_H_
#define NSFENCE_EVENTS_RINGBUF_READER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/decode.h"
#include "nsfence/abi.h"

struct ring_buffer;

namespace nsfence::events {

class RingbufReader {
 public:
  using Handler = std::function<void(const Record&)>;

  static absl::StatusOr<std::unique_ptr<RingbufReader>> Open(int ringbuf_map_fd, Handler handler);
  ~RingbufReader();
  RingbufReader(const RingbufReader&) = delete;
  RingbufReader& operator=(const RingbufReader&) = delete;

  // Readable when records are waiting (for epoll).
  int epoll_fd() const;
  // Handles every record available now and, while records keep coming,
  // waits up to 200 us for the next batch (never long enough to fill a
  // quarter of the ring buffer at the rate they come) and handles it too,
  // for up to 20 ms in all; returns how many.
  absl::StatusOr<int> Drain();
  uint64_t undecodable() const { return undecodable_; }

 private:
  explicit RingbufReader(Handler handler) : handler_(std::move(handler)) {}
  static int OnRecord(void* ctx, void* data, size_t size);

  Handler handler_;
  ring_buffer* rb_ = nullptr;
  uint64_t undecodable_ = 0;
  uint64_t ring_bytes_ = 0;    // the ring buffer's size; 0: unknown
  uint64_t batch_bytes_ = 0;   // read by the current round of Drain
  absl::Time last_drain_;      // when a round of Drain last read
};

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_RINGBUF_READER_H_
