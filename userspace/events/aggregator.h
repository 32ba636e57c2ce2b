// Folds repeats of one violation within a window into one summary event
// (README.md, "Violation events": aggregation). Clock-free: every call is
// given the agent's current time, so tests drive time by hand.
#ifndef NSFENCE_EVENTS_AGGREGATOR_H_
#define NSFENCE_EVENTS_AGGREGATOR_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/time/time.h"
#include "events/events.pb.h"

namespace nsfence::events {

// The one definition of "the same violation": every field of the event but
// `time`, `pid`, the port of `src` (an ephemeral port: egress, the pod's;
// ingress, the peer's) and the aggregation fields themselves (`count`,
// `first_time`, `last_time`). So kind, action, namespace, pod, container,
// policy, direction, protocol, the src address, dst (address and port),
// peer_namespace, peer_pod, comm, the TLS fields (versions, sni, reason,
// min_version), capabilities, host_namespaces, backend, filename, device and
// access all have to be equal. A field added to events.proto later is part of
// the key unless it is cleared here.
//
// The key is that reduced event, serialized (deterministic for one build: the
// message has no map fields); Aggregator parses it back to build a summary.
std::string AggregationKey(const Event& event);

// `src` without its port: "10.0.0.2:41234" -> "10.0.0.2", "[fd00::2]:41234"
// -> "[fd00::2]". Anything else is returned as it is.
std::string WithoutPort(const std::string& address);

// Time stamps of events <-> absl::Time.
absl::Time ToTime(const google::protobuf::Timestamp& t);
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);
// How many violations an event stands for: `count`, 0 meaning 1.
uint64_t ViolationCount(const Event& event);
// The time of its first and last violation: first_time/last_time, or time.
absl::Time FirstTime(const Event& event);
absl::Time LastTime(const Event& event);

struct AggregatorOptions {
  // Repeats of a key within this long after its first occurrence are folded.
  // Zero disables aggregation: every event is emitted at once, alone.
  absl::Duration window = absl::Seconds(10);
  // At most this many keys are held. An event with a new key beyond that is
  // emitted at once without folding its later repeats (counted: overflowed()).
  size_t max_keys = 65536;
};

// Semantics, per key (AggregationKey):
//  - the first occurrence is returned at once, with count 1 (or its own count
//    when it already stands for several), and opens the key's window:
//    [now, now + window);
//  - repeats added inside the window are folded, nothing is returned;
//  - when the window ends (now >= first + window, seen by Expire or by the
//    next Add) and there were repeats, one summary is returned: the last
//    repeat with count = the number of repeats, first_time/last_time = the
//    times of the first and last repeat, and time = last_time (pid and src
//    are the last repeat's). A key without repeats ends silently.
//  - a repeat after the window is a new first occurrence.
// So the counts of everything returned add up to the violations added, once
// Flush has run. Windows run on the `now` the caller passes (the agent's
// clock, when it handles the record), not on the kernel's time stamps; a
// `now` earlier than one already seen counts as that one.
class Aggregator {
 public:
  explicit Aggregator(AggregatorOptions options = {});

  // What to emit now: summaries of windows that ended by `now`, then `event`
  // if it is a first occurrence.
  std::vector<Event> Add(Event event, absl::Time now);
  // The same, appended to `out` (no vector of its own per event).
  void AddTo(Event&& event, absl::Time now, std::vector<Event>& out);
  // Summaries of the windows that ended by `now`.
  std::vector<Event> Expire(absl::Time now);
  // The summaries of every key with repeats, windows ended or not (shutdown).
  std::vector<Event> Flush(absl::Time now);
  // When Expire next has something to do; InfiniteFuture() when nothing is held.
  absl::Time NextDeadline() const;

  const AggregatorOptions& options() const { return options_; }
  size_t keys() const { return keys_.size(); }
  // Violations folded into a summary so far (pending ones included).
  uint64_t folded() const { return folded_; }
  // Events emitted without folding because max_keys keys were held.
  uint64_t overflowed() const { return overflowed_; }

 private:
  struct Pending {
    absl::Time deadline;
    uint64_t repeats = 0;      // violations folded since the first occurrence
    absl::Time first, last;    // of the repeats
    uint32_t last_pid = 0;
    std::string last_src;
  };
  absl::Time Advance(absl::Time now);
  void ExpireInto(absl::Time now, std::vector<Event>& out);
  static Event Summary(const std::string& key, const Pending& p);

  AggregatorOptions options_;
  absl::Time now_ = absl::InfinitePast();
  using Keys = absl::node_hash_map<std::string, Pending>;
  // Pointer-stable, so order_ can point into it.
  Keys keys_;
  // Held keys by deadline: windows have one length and `now` never goes back,
  // so insertion order is deadline order.
  std::deque<Keys::value_type*> order_;
  uint64_t folded_ = 0;
  uint64_t overflowed_ = 0;
};

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_AGGREGATOR_H_
