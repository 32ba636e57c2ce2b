#include "kube/backoff.h"

#include <algorithm>
#include <random>
#include <utility>

namespace nsfence::kube {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> uniform)
    : policy_(policy), uniform_(std::move(uniform)), ceiling_(policy.initial) {
  if (!uniform_) {
    uniform_ = [engine = std::mt19937_64(std::random_device{}()),
                dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return dist(engine);
    };
  }
}

absl::Duration Backoff::Next() {
  const double fraction = std::clamp(uniform_(), 0.0, 1.0);
  const absl::Duration wait = ceiling_ * fraction;
  ceiling_ = std::min(ceiling_ * 2, policy_.max);
  return wait;
}

}  // namespace nsfence::kube
