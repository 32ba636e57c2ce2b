// What stands between the ring buffer and stdout: enriched events go through
// the Aggregator (repeats folded per window), then the RateLimiter (a token
// bucket per namespace). The agent calls Push for each enriched record, Tick
// when NextDeadline() has passed, Flush at shutdown, and prints what they
// return, in order. Clock-free: the caller passes the time.
#ifndef NSFENCE_EVENTS_PIPELINE_H_
#define NSFENCE_EVENTS_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/aggregator.h"
#include "events/events.pb.h"
#include "events/rate_limiter.h"

namespace nsfence::events {

struct PipelineOptions {
  // --aggregate-seconds: repeats of one violation within this window after
  // its first occurrence are folded into one summary line. Zero: off.
  absl::Duration aggregation_window = absl::Seconds(10);
  // --rate-limit N/s: lines per second per namespace. Zero: off.
  uint64_t rate = 1000;
  // --rate-burst N: lines a quiet namespace may print at once.
  uint64_t burst = 2000;
  size_t max_keys = 65536;       // violations held for folding
  size_t max_namespaces = 4096;  // namespaces with a bucket of their own
};

class EventPipeline {
 public:
  explicit EventPipeline(PipelineOptions options = {});

  // The lines to print now for one more violation (possibly none: folded or
  // suppressed), and any summaries that fell due by `now`.
  std::vector<Event> Push(Event&& event, absl::Time now);
  // The summaries due by `now` (aggregation windows ended, suppression).
  std::vector<Event> Tick(absl::Time now);
  // When Tick next has something to do; InfiniteFuture() when nothing waits.
  absl::Time NextDeadline() const;
  // Everything still held (shutdown). The counts of all lines returned since
  // construction then add up to violations().
  std::vector<Event> Flush(absl::Time now);

  // Violations pushed (an event's count, 0 meaning 1).
  uint64_t violations() const { return violations_; }
  // Lines returned, suppression summaries included.
  uint64_t lines() const { return lines_; }
  // Violations folded into aggregation summaries.
  uint64_t folded() const { return aggregator_.folded(); }
  // Events emitted unfolded because the aggregator held max_keys keys.
  uint64_t aggregation_overflow() const { return aggregator_.overflowed(); }
  // Violations suppressed by the rate limit (nsfence_events_lost_total{stage="rate_limit"}),
  // in all and per namespace ("" for namespaces beyond max_namespaces).
  uint64_t suppressed_total() const { return limiter_.suppressed_total(); }
  uint64_t suppressed(absl::string_view ns) const { return limiter_.suppressed(ns); }
  std::vector<std::pair<std::string, uint64_t>> suppressed_by_namespace() const {
    return limiter_.suppressed_by_namespace();
  }

  const Aggregator& aggregator() const { return aggregator_; }
  const RateLimiter& limiter() const { return limiter_; }

 private:
  // Moves `events` through the rate limiter into `out` and empties it.
  void Limit(std::vector<Event>& events, absl::Time now, std::vector<Event>& out);
  std::vector<Event> Counted(std::vector<Event> out);

  Aggregator aggregator_;
  RateLimiter limiter_;
  // Aggregation and rate limits both off: neither stage ever holds or
  // suppresses an event, so Push passes each straight through.
  bool pass_through_;
  std::vector<Event> aggregated_;  // Push's scratch: what the aggregator let through
  uint64_t violations_ = 0;
  uint64_t lines_ = 0;
};

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_PIPELINE_H_
