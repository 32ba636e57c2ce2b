#include "bench_text.h"

#include <cerrno>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errno_status.h"

namespace nsfence::bench {

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return ErrnoStatus(errno, absl::StrCat("writing ", path));
  return absl::OkStatus();
}

std::map<std::string, std::string> KeyValuesOf(absl::string_view line) {
  std::map<std::string, std::string> values;
  for (absl::string_view pair : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
    const std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    values[kv.first] = kv.second;
  }
  return values;
}

}  // namespace nsfence::bench
