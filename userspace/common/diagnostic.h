// Problems found in a user's file, located as file:line:column.
#ifndef NSFENCE_COMMON_DIAGNOSTIC_H_
#define NSFENCE_COMMON_DIAGNOSTIC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nsfence {

struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  // "file:line:column", or "file" when the position is unknown.
  std::string ToString() const;

  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

struct Diagnostic {
  SourcePos pos;
  std::string message;

  // "file:line:column: message"
  std::string ToString() const;
};

using Diagnostics = std::vector<Diagnostic>;

// InvalidArgument whose message is one diagnostic per line; OK when empty.
absl::Status ToStatus(const Diagnostics& diagnostics);

}  // namespace nsfence

#endif  // NSFENCE_COMMON_DIAGNOSTIC_H_
