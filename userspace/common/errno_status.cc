#include "common/errno_status.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace nsfence {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  return absl::ErrnoToStatus(err, absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace nsfence
