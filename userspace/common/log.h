// Logs for operators, on stderr, one line each:
//   2026-12-01T05:08:46.123Z INFO policy applied generation=3
// stdout is reserved for violation events.
#ifndef NSFENCE_COMMON_LOG_H_
#define NSFENCE_COMMON_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nsfence::log {

enum class Level { kDebug, kInfo, kWarning, kError };

void SetMinLevel(Level level);
void Write(Level level, absl::string_view message);

template <typename... Args>
void Info(const Args&... args) {
  Write(Level::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void Warn(const Args&... args) {
  Write(Level::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void Error(const Args&... args) {
  Write(Level::kError, absl::StrCat(args...));
}
template <typename... Args>
void Debug(const Args&... args) {
  Write(Level::kDebug, absl::StrCat(args...));
}

}  // namespace nsfence::log

#endif  // NSFENCE_COMMON_LOG_H_
