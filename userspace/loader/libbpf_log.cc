#include "loader/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "common/log.h"

namespace nsfence::loader {
namespace {

int Print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  // Verifier logs come as one message of many kilobytes.
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string buf(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(buf.data(), buf.size(), format, args);
  buf.resize(static_cast<size_t>(n));
  const std::string text(absl::StripTrailingAsciiWhitespace(buf));
  if (level == LIBBPF_WARN) log::Warn("libbpf: ", text);
  else log::Info("libbpf: ", text);
  return n;
}

}  // namespace

void InstallLibbpfLogger() { libbpf_set_print(Print); }

}  // namespace nsfence::loader
