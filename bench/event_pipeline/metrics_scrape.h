// The agent's /metrics, fetched with a plain HTTP/1.0 GET (no client
// library), and single samples out of the text exposition format.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_METRICS_SCRAPE_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_METRICS_SCRAPE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nsfence::bench {

// The body served at http://ADDRESS/metrics; `address` is IPv4 "HOST:PORT".
absl::StatusOr<std::string> ScrapeMetrics(const std::string& address);

// The value of `series` (the name with its labels, as exposed:
// nsfence_events_lost_total{stage="rate_limit"}); nullopt when absent.
std::optional<double> MetricSample(absl::string_view exposition, absl::string_view series);

// "HOST:PORT" from the agent's "metrics on http://HOST:PORT/metrics" log
// line; empty when the log has none.
std::string MetricsAddressFromLog(absl::string_view log);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_METRICS_SCRAPE_H_
