// A token bucket per namespace on the event lines the agent prints, so one
// noisy pod cannot drown the other namespaces' events (README.md, "Violation
// events": rate limits). Nothing is dropped silently: suppressed lines are
// counted per namespace and reported by `kind: "suppressed"` summary events.
// Clock-free like Aggregator.
#ifndef NSFENCE_EVENTS_RATE_LIMITER_H_
#define NSFENCE_EVENTS_RATE_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/events.pb.h"

namespace nsfence::events {

struct RateLimiterOptions {
  // Lines per second each namespace may print, sustained. 0: no limit.
  uint64_t rate = 1000;
  // Lines a namespace may print at once after being quiet (the bucket's size;
  // it starts full). Raised to 1 if lower.
  uint64_t burst = 2000;
  // Namespaces with a bucket of their own. Beyond that, a namespace whose
  // bucket is full and that was never limited is forgotten to make room (it
  // gets a full bucket again when it comes back); if none is, new namespaces
  // share one bucket, whose summaries have no namespace.
  size_t max_namespaces = 4096;
  // A namespace's summary events are at least this far apart.
  absl::Duration summary_interval = absl::Seconds(1);
};

// Each line costs one token, whatever its count. A line without a token is
// suppressed: the violations it stands for (its count) are added to its
// namespace's pending count and to the totals. A summary
//   {kind: "suppressed", namespace, count: violations suppressed since the
//    namespace's last summary, first_time/last_time: of those violations,
//    time: now}
// is emitted as soon as a namespace has suppressed something and its last
// summary is at least summary_interval old: so the first suppression is told
// at once, then at most one summary per interval while suppression goes on,
// and the last one an interval after the previous one. Summaries take no
// tokens. Counts of emitted lines plus summaries add up to what came in.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options = {});

  // `event` if its namespace has a token, then any summary due by `now`.
  std::vector<Event> Admit(Event event, absl::Time now);
  // The summaries due by `now`.
  std::vector<Event> Expire(absl::Time now);
  // Admit and Expire appending to `out` (no vector of their own per event).
  void AdmitTo(Event&& event, absl::Time now, std::vector<Event>& out);
  void ExpireTo(absl::Time now, std::vector<Event>& out);
  // Every pending summary, due or not (shutdown).
  std::vector<Event> Flush(absl::Time now);
  // When Expire next has a summary to emit; InfiniteFuture() when none is pending.
  absl::Time NextDeadline() const;

  const RateLimiterOptions& options() const { return options_; }
  // Violations suppressed, in all and per namespace ("" for the shared bucket).
  uint64_t suppressed_total() const { return suppressed_total_; }
  uint64_t suppressed(absl::string_view ns) const;
  // Namespaces that had something suppressed, by name.
  std::vector<std::pair<std::string, uint64_t>> suppressed_by_namespace() const;
  // Lines suppressed (a line may stand for several violations).
  uint64_t suppressed_lines_total() const { return suppressed_lines_total_; }
  // Summary events emitted.
  uint64_t summaries() const { return summaries_; }
  size_t namespaces() const { return buckets_.size(); }

 private:
  struct Bucket {
    uint64_t credit = 0;  // tokens x kScale
    absl::Time refilled = absl::InfinitePast();
    uint64_t pending = 0;  // violations suppressed since the last summary
    absl::Time pending_first, pending_last;
    absl::Time last_summary = absl::InfinitePast();
    bool queued = false;  // in due_
    uint64_t suppressed = 0;  // all time
  };
  using Buckets = absl::flat_hash_map<std::string, Bucket>;
  using Entry = Buckets::value_type;
  absl::Time Advance(absl::Time now);
  // The namespace's entry ("" for the shared bucket), refilled to `now`.
  Entry& EntryOf(const std::string& ns, absl::Time now);
  void Refill(Bucket& b, absl::Time now) const;
  void EmitDue(absl::Time now, bool all, std::vector<Event>& out);

  RateLimiterOptions options_;
  uint64_t capacity_;  // burst x kScale
  absl::Time now_ = absl::InfinitePast();
  absl::Time last_gc_ = absl::InfinitePast();
  Buckets buckets_;
  std::set<std::pair<absl::Time, std::string>> due_;  // namespaces with a pending summary
  uint64_t suppressed_total_ = 0;
  uint64_t suppressed_lines_total_ = 0;
  uint64_t summaries_ = 0;
};

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_RATE_LIMITER_H_
