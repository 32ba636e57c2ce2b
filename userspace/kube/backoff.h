// Exponential backoff with full jitter: the n-th consecutive failure waits a
// uniformly random time in [0, min(max, initial * 2^n)], so that the agents
// of every node do not reconnect to a recovering API server in step.
#ifndef NSFENCE_KUBE_BACKOFF_H_
#define NSFENCE_KUBE_BACKOFF_H_

#include <functional>

#include "absl/time/time.h"

namespace nsfence::kube {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(500);
  absl::Duration max = absl::Seconds(30);
};

class Backoff {
 public:
  // `uniform` returns a number in [0, 1]; empty: a seeded std::mt19937_64.
  explicit Backoff(BackoffPolicy policy, std::function<double()> uniform = {});

  // The wait before the next attempt; each call doubles the ceiling.
  absl::Duration Next();
  // After a success: the next failure waits at most `initial` again.
  void Reset() { ceiling_ = policy_.initial; }
  absl::Duration ceiling() const { return ceiling_; }

 private:
  BackoffPolicy policy_;
  std::function<double()> uniform_;
  absl::Duration ceiling_;
};

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_BACKOFF_H_
