#include "common/diagnostic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nsfence {

std::string SourcePos::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

std::string Diagnostic::ToString() const { return absl::StrCat(pos.ToString(), ": ", message); }

absl::Status ToStatus(const Diagnostics& diagnostics) {
  if (diagnostics.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(
      diagnostics, "\n", [](std::string* out, const Diagnostic& d) { out->append(d.ToString()); }));
}

}  // namespace nsfence
