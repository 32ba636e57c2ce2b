#include "bench_args.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nsfence::bench {

std::string BenchArgs::Next() {
  raw_ = args_[next_++];
  flag_ = raw_;
  has_inline_ = false;
  if (const size_t eq = flag_.find('='); eq != std::string::npos && absl::StartsWith(flag_, "--")) {
    inline_value_ = flag_.substr(eq + 1);
    flag_.resize(eq);
    has_inline_ = true;
  }
  return flag_;
}

absl::StatusOr<std::string> BenchArgs::Value() {
  if (has_inline_) return inline_value_;
  if (next_ >= args_.size()) return absl::InvalidArgumentError(absl::StrCat(flag_, " needs a value"));
  return args_[next_++];
}

}  // namespace nsfence::bench
