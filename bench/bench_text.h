// Text both benchmarks read and write: the agent's input files, and the
// "key=value key=value" result lines of the load tools.
#ifndef NSFENCE_BENCH_BENCH_TEXT_H_
#define NSFENCE_BENCH_BENCH_TEXT_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nsfence::bench {

// Creates or truncates `path` and writes `text` to it.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

// The pairs of a result line, by key ("sends=3 seconds=1.0" -> {sends: 3,
// seconds: 1.0}); a word without '=' maps to "".
std::map<std::string, std::string> KeyValuesOf(absl::string_view line);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_TEXT_H_
