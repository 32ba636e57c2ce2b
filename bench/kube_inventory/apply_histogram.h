// The agent's own view of how long an apply takes:
// nsfence_inventory_apply_latency_seconds, from an inventory change reaching
// the agent (a watch event decoded, a pod cgroup's inotify event) to the
// kernel maps written. It starts later than the benchmark's clock (after
// the API server's delivery and the watch's decoding) and ends at the same
// point, so it tells what part of a latency sample the apply itself is.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_APPLY_HISTOGRAM_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_APPLY_HISTOGRAM_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nsfence::bench {

inline constexpr char kApplyHistogram[] = "nsfence_inventory_apply_latency_seconds";

struct ApplyHistogram {
  double count = 0;
  double sum = 0;  // seconds
  // (upper bound in seconds, cumulative count), ascending; +Inf last.
  std::vector<std::pair<double, double>> buckets;

  double mean_seconds() const { return count > 0 ? sum / count : 0; }
  // The upper bound of the bucket that holds quantile `q` (0..1); +Inf when
  // it is beyond the last finite bucket, 0 when empty.
  double QuantileBound(double q) const;
  // What happened between `earlier` and this one.
  ApplyHistogram Since(const ApplyHistogram& earlier) const;
};

absl::StatusOr<ApplyHistogram> ParseApplyHistogram(absl::string_view exposition);

// "<= 2.5 ms", "> 10 s"
std::string BoundText(double seconds);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_APPLY_HISTOGRAM_H_
