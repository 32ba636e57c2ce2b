#include "events/aggregator.h"

#include <algorithm>
#include <ctime>
#include <utility>

namespace nsfence::events {

std::string WithoutPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return address;
  if (!std::all_of(address.begin() + static_cast<std::ptrdiff_t>(colon) + 1, address.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return address;
  }
  if (address.front() == '[') {
    // "[v6]:port"
    return colon > 0 && address[colon - 1] == ']' ? address.substr(0, colon) : address;
  }
  // "v4:port": exactly one colon (a bare IPv6 address has several).
  return address.find(':') == colon ? address.substr(0, colon) : address;
}

std::string AggregationKey(const Event& event) {
  Event key = event;
  key.clear_time();
  key.clear_pid();
  key.set_src(WithoutPort(event.src()));
  key.clear_count();
  key.clear_first_time();
  key.clear_last_time();
  return key.SerializeAsString();
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const timespec ts = absl::ToTimespec(t);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

uint64_t ViolationCount(const Event& event) { return event.count() == 0 ? 1 : event.count(); }

absl::Time FirstTime(const Event& event) {
  return ToTime(event.has_first_time() ? event.first_time() : event.time());
}

absl::Time LastTime(const Event& event) { return ToTime(event.has_last_time() ? event.last_time() : event.time()); }

Aggregator::Aggregator(AggregatorOptions options) : options_(options) {
  if (options_.window < absl::ZeroDuration()) options_.window = absl::ZeroDuration();
}

absl::Time Aggregator::Advance(absl::Time now) {
  now_ = std::max(now_, now);
  return now_;
}

std::vector<Event> Aggregator::Add(Event event, absl::Time now) {
  std::vector<Event> out;
  AddTo(std::move(event), now, out);
  return out;
}

void Aggregator::AddTo(Event&& event, absl::Time now, std::vector<Event>& out) {
  now = Advance(now);
  ExpireInto(now, out);
  const uint64_t weight = ViolationCount(event);
  event.set_count(weight);
  if (options_.window == absl::ZeroDuration()) {
    out.push_back(std::move(event));
    return;
  }
  std::string key = AggregationKey(event);
  if (auto it = keys_.find(key); it != keys_.end()) {
    Pending& p = it->second;
    const absl::Time first = FirstTime(event), last = LastTime(event);
    p.first = p.repeats == 0 ? first : std::min(p.first, first);
    p.last = p.repeats == 0 ? last : std::max(p.last, last);
    p.repeats += weight;
    p.last_pid = event.pid();
    p.last_src = event.src();
    folded_ += weight;
    return;
  }
  if (keys_.size() >= options_.max_keys) {
    ++overflowed_;
  } else {
    auto [it, inserted] = keys_.emplace(std::move(key), Pending{.deadline = now + options_.window});
    order_.push_back(&*it);
  }
  out.push_back(std::move(event));
}

std::vector<Event> Aggregator::Expire(absl::Time now) {
  std::vector<Event> out;
  ExpireInto(Advance(now), out);
  return out;
}

void Aggregator::ExpireInto(absl::Time now, std::vector<Event>& out) {
  while (!order_.empty() && order_.front()->second.deadline <= now) {
    Keys::value_type* node = order_.front();
    order_.pop_front();
    if (node->second.repeats > 0) out.push_back(Summary(node->first, node->second));
    keys_.erase(keys_.find(node->first));
  }
}

std::vector<Event> Aggregator::Flush(absl::Time now) {
  Advance(now);
  std::vector<Event> out;
  for (const Keys::value_type* node : order_) {
    if (node->second.repeats > 0) out.push_back(Summary(node->first, node->second));
  }
  order_.clear();
  keys_.clear();
  return out;
}

absl::Time Aggregator::NextDeadline() const {
  return order_.empty() ? absl::InfiniteFuture() : order_.front()->second.deadline;
}

Event Aggregator::Summary(const std::string& key, const Pending& p) {
  Event e;
  (void)e.ParseFromString(key);  // our own serialization
  e.set_pid(p.last_pid);
  e.set_src(p.last_src);
  e.set_count(p.repeats);
  SetTimestamp(p.first, e.mutable_first_time());
  SetTimestamp(p.last, e.mutable_last_time());
  SetTimestamp(p.last, e.mutable_time());
  return e;
}

}  // namespace nsfence::events
