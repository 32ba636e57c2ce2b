// The command lines of the benchmarks: "--flag=value" or "--flag value".
#ifndef NSFENCE_BENCH_BENCH_ARGS_H_
#define NSFENCE_BENCH_BENCH_ARGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nsfence::bench {

class BenchArgs {
 public:
  explicit BenchArgs(const std::vector<std::string>& args) : args_(args) {}

  bool Done() const { return next_ >= args_.size(); }
  // The next argument as given ("--rate=5"), and its flag ("--rate").
  std::string Next();
  const std::string& raw() const { return raw_; }
  // The value of the flag Next() returned: after its '=' or the argument
  // that follows; an error naming the flag when there is none.
  absl::StatusOr<std::string> Value();

 private:
  const std::vector<std::string>& args_;
  size_t next_ = 0;
  std::string raw_;
  std::string flag_;
  std::string inline_value_;
  bool has_inline_ = false;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_ARGS_H_
