#include "events/pipeline.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace nsfence::events {

EventPipeline::EventPipeline(PipelineOptions options)
    : aggregator_({.window = options.aggregation_window, .max_keys = options.max_keys}),
      limiter_({.rate = options.rate, .burst = options.burst, .max_namespaces = options.max_namespaces}),
      pass_through_(aggregator_.options().window == absl::ZeroDuration() && limiter_.options().rate == 0) {}

void EventPipeline::Limit(std::vector<Event>& events, absl::Time now, std::vector<Event>& out) {
  for (Event& e : events) limiter_.AdmitTo(std::move(e), now, out);
  events.clear();  // moved from; the capacity stays for the next call
}

std::vector<Event> EventPipeline::Counted(std::vector<Event> out) {
  lines_ += out.size();
  return out;
}

// One vector per call, the one returned: the aggregator's output waits in
// aggregated_, whose capacity is reused.
std::vector<Event> EventPipeline::Push(Event&& event, absl::Time now) {
  violations_ += ViolationCount(event);
  std::vector<Event> out;
  if (pass_through_) {
    // What Aggregator::Add (window 0) and RateLimiter::Admit (rate 0) do,
    // without moving the event through them.
    event.set_count(ViolationCount(event));
    out.push_back(std::move(event));
    return Counted(std::move(out));
  }
  aggregator_.AddTo(std::move(event), now, aggregated_);
  Limit(aggregated_, now, out);
  limiter_.ExpireTo(now, out);
  return Counted(std::move(out));
}

std::vector<Event> EventPipeline::Tick(absl::Time now) {
  std::vector<Event> out;
  std::vector<Event> expired = aggregator_.Expire(now);
  Limit(expired, now, out);
  limiter_.ExpireTo(now, out);
  return Counted(std::move(out));
}

absl::Time EventPipeline::NextDeadline() const {
  return std::min(aggregator_.NextDeadline(), limiter_.NextDeadline());
}

std::vector<Event> EventPipeline::Flush(absl::Time now) {
  std::vector<Event> out;
  std::vector<Event> held = aggregator_.Flush(now);
  Limit(held, now, out);
  std::vector<Event> rest = limiter_.Flush(now);
  std::move(rest.begin(), rest.end(), std::back_inserter(out));
  return Counted(std::move(out));
}

}  // namespace nsfence::events
