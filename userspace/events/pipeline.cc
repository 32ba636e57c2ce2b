#include "events/pipeline.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace nsfence::events {

EventPipeline::EventPipeline(PipelineOptions options)
    : aggregator_({.window = options.aggregation_window, .max_keys = options.max_keys}),
      limiter_({.rate = options.rate, .burst = options.burst, .max_namespaces = options.max_namespaces}) {}

void EventPipeline::Limit(std::vector<Event> events, absl::Time now, std::vector<Event>& out) {
  for (Event& e : events) {
    std::vector<Event> admitted = limiter_.Admit(std::move(e), now);
    std::move(admitted.begin(), admitted.end(), std::back_inserter(out));
  }
}

std::vector<Event> EventPipeline::Counted(std::vector<Event> out) {
  lines_ += out.size();
  return out;
}

std::vector<Event> EventPipeline::Push(Event event, absl::Time now) {
  violations_ += ViolationCount(event);
  std::vector<Event> out;
  Limit(aggregator_.Add(std::move(event), now), now, out);
  std::vector<Event> due = limiter_.Expire(now);
  std::move(due.begin(), due.end(), std::back_inserter(out));
  return Counted(std::move(out));
}

std::vector<Event> EventPipeline::Tick(absl::Time now) {
  std::vector<Event> out;
  Limit(aggregator_.Expire(now), now, out);
  std::vector<Event> due = limiter_.Expire(now);
  std::move(due.begin(), due.end(), std::back_inserter(out));
  return Counted(std::move(out));
}

absl::Time EventPipeline::NextDeadline() const {
  return std::min(aggregator_.NextDeadline(), limiter_.NextDeadline());
}

std::vector<Event> EventPipeline::Flush(absl::Time now) {
  std::vector<Event> out;
  Limit(aggregator_.Flush(now), now, out);
  std::vector<Event> rest = limiter_.Flush(now);
  std::move(rest.begin(), rest.end(), std::back_inserter(out));
  return Counted(std::move(out));
}

}  // namespace nsfence::events
