#include "events/rate_limiter.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "events/aggregator.h"

namespace nsfence::events {
namespace {

// Credit per token: one token per 1/rate s = 1e9/rate ns, so refilling adds
// rate per nanosecond. Rate and burst are capped so credit fits in 64 bits.
constexpr uint64_t kScale = 1'000'000'000;
constexpr uint64_t kMaxRateOrBurst = 1'000'000'000;
// How often, at most, a full table is searched for namespaces to forget.
constexpr absl::Duration kForgetInterval = absl::Seconds(1);

}  // namespace

RateLimiter::RateLimiter(RateLimiterOptions options) : options_(options) {
  options_.rate = std::min(options_.rate, kMaxRateOrBurst);
  options_.burst = std::clamp<uint64_t>(options_.burst, 1, kMaxRateOrBurst);
  options_.summary_interval = std::max(options_.summary_interval, absl::ZeroDuration());
  capacity_ = options_.burst * kScale;
}

absl::Time RateLimiter::Advance(absl::Time now) {
  now_ = std::max(now_, now);
  return now_;
}

void RateLimiter::Refill(Bucket& b, absl::Time now) const {
  if (b.credit < capacity_ && options_.rate > 0) {
    const uint64_t elapsed_ns = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Nanoseconds(now - b.refilled)));
    const uint64_t missing = capacity_ - b.credit;
    // elapsed_ns * rate < missing <= capacity_ in the second branch: no overflow.
    b.credit = elapsed_ns >= (missing + options_.rate - 1) / options_.rate ? capacity_ : b.credit + elapsed_ns * options_.rate;
  }
  b.refilled = now;
}

RateLimiter::Entry& RateLimiter::EntryOf(const std::string& ns, absl::Time now) {
  if (auto it = buckets_.find(ns); it != buckets_.end()) {
    Refill(it->second, now);
    return *it;
  }
  std::string key = ns;
  if (!ns.empty()) {
    auto named = [&] { return buckets_.size() - (buckets_.contains("") ? 1 : 0); };
    if (named() >= options_.max_namespaces && now - last_gc_ >= kForgetInterval) {
      // A full bucket that never suppressed anything is the same as none.
      last_gc_ = now;
      absl::erase_if(buckets_, [&](auto& entry) {
        Bucket& b = entry.second;
        if (entry.first.empty() || b.queued || b.suppressed > 0) return false;
        Refill(b, now);
        return b.credit == capacity_;
      });
    }
    if (named() >= options_.max_namespaces) key.clear();  // the shared bucket
  }
  auto [it, inserted] = buckets_.try_emplace(std::move(key));
  if (inserted) {
    it->second.credit = capacity_;
    it->second.refilled = now;
  } else {
    Refill(it->second, now);
  }
  return *it;
}

std::vector<Event> RateLimiter::Admit(Event event, absl::Time now) {
  std::vector<Event> out;
  AdmitTo(std::move(event), now, out);
  return out;
}

void RateLimiter::AdmitTo(Event&& event, absl::Time now, std::vector<Event>& out) {
  now = Advance(now);
  if (options_.rate == 0) {
    out.push_back(std::move(event));
    EmitDue(now, /*all=*/false, out);
    return;
  }
  Entry& entry = EntryOf(event.namespace_(), now);
  Bucket& b = entry.second;
  if (b.credit >= kScale) {
    b.credit -= kScale;
    out.push_back(std::move(event));
  } else {
    const uint64_t weight = ViolationCount(event);
    const absl::Time first = FirstTime(event), last = LastTime(event);
    b.pending_first = b.pending == 0 ? first : std::min(b.pending_first, first);
    b.pending_last = b.pending == 0 ? last : std::max(b.pending_last, last);
    b.pending += weight;
    b.suppressed += weight;
    suppressed_total_ += weight;
    ++suppressed_lines_total_;
    if (!b.queued) {
      b.queued = true;
      due_.emplace(std::max(b.last_summary + options_.summary_interval, now), entry.first);
    }
  }
  EmitDue(now, /*all=*/false, out);
}

std::vector<Event> RateLimiter::Expire(absl::Time now) {
  std::vector<Event> out;
  ExpireTo(now, out);
  return out;
}

void RateLimiter::ExpireTo(absl::Time now, std::vector<Event>& out) { EmitDue(Advance(now), /*all=*/false, out); }

std::vector<Event> RateLimiter::Flush(absl::Time now) {
  std::vector<Event> out;
  EmitDue(Advance(now), /*all=*/true, out);
  return out;
}

absl::Time RateLimiter::NextDeadline() const { return due_.empty() ? absl::InfiniteFuture() : due_.begin()->first; }

void RateLimiter::EmitDue(absl::Time now, bool all, std::vector<Event>& out) {
  while (!due_.empty() && (all || due_.begin()->first <= now)) {
    auto node = due_.extract(due_.begin());
    Bucket& b = buckets_.find(node.value().second)->second;
    Event e;
    e.set_kind("suppressed");
    e.set_namespace_(node.value().second);
    e.set_count(b.pending);
    SetTimestamp(now, e.mutable_time());
    SetTimestamp(b.pending_first, e.mutable_first_time());
    SetTimestamp(b.pending_last, e.mutable_last_time());
    out.push_back(std::move(e));
    b.pending = 0;
    b.queued = false;
    b.last_summary = now;
    ++summaries_;
  }
}

uint64_t RateLimiter::suppressed(absl::string_view ns) const {
  auto it = buckets_.find(ns);
  return it == buckets_.end() ? 0 : it->second.suppressed;
}

std::vector<std::pair<std::string, uint64_t>> RateLimiter::suppressed_by_namespace() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [ns, b] : buckets_) {
    if (b.suppressed > 0) out.emplace_back(ns, b.suppressed);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace nsfence::events
