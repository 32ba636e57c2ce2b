#include "apply_histogram.h"

#include <cmath>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nsfence::bench {
namespace {

bool ParseNumber(absl::string_view text, double* value) {
  text = absl::StripAsciiWhitespace(text);
  if (text == "+Inf") {
    *value = std::numeric_limits<double>::infinity();
    return true;
  }
  return absl::SimpleAtod(text, value);
}

}  // namespace

double ApplyHistogram::QuantileBound(double q) const {
  if (count <= 0) return 0;
  const double wanted = q * count;
  for (const auto& [bound, cumulative] : buckets) {
    if (cumulative >= wanted) return bound;
  }
  return std::numeric_limits<double>::infinity();
}

ApplyHistogram ApplyHistogram::Since(const ApplyHistogram& earlier) const {
  ApplyHistogram delta{.count = count - earlier.count, .sum = sum - earlier.sum, .buckets = buckets};
  for (size_t i = 0; i < delta.buckets.size() && i < earlier.buckets.size(); ++i) {
    delta.buckets[i].second -= earlier.buckets[i].second;
  }
  return delta;
}

absl::StatusOr<ApplyHistogram> ParseApplyHistogram(absl::string_view exposition) {
  ApplyHistogram h;
  bool count_seen = false;
  const std::string bucket_prefix = absl::StrCat(kApplyHistogram, "_bucket{le=\"");
  const std::string sum_prefix = absl::StrCat(kApplyHistogram, "_sum ");
  const std::string count_prefix = absl::StrCat(kApplyHistogram, "_count ");
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::ConsumePrefix(&line, bucket_prefix)) {
      const size_t quote = line.find('"');
      const size_t space = line.rfind(' ');
      double bound = 0, cumulative = 0;
      if (quote == absl::string_view::npos || space == absl::string_view::npos ||
          !ParseNumber(line.substr(0, quote), &bound) || !ParseNumber(line.substr(space + 1), &cumulative)) {
        return absl::InvalidArgumentError(absl::StrCat("unreadable bucket line: ", line));
      }
      h.buckets.emplace_back(bound, cumulative);
    } else if (absl::ConsumePrefix(&line, sum_prefix)) {
      if (!ParseNumber(line, &h.sum)) return absl::InvalidArgumentError(absl::StrCat("unreadable sum: ", line));
    } else if (absl::ConsumePrefix(&line, count_prefix)) {
      if (!ParseNumber(line, &h.count)) return absl::InvalidArgumentError(absl::StrCat("unreadable count: ", line));
      count_seen = true;
    }
  }
  if (!count_seen) return absl::NotFoundError(absl::StrCat("the agent's metrics have no ", kApplyHistogram));
  return h;
}

std::string BoundText(double seconds) {
  if (std::isinf(seconds)) return "> 10 s";
  if (seconds < 1) return absl::StrFormat("<= %g ms", seconds * 1000);
  return absl::StrFormat("<= %g s", seconds);
}

}  // namespace nsfence::bench
