#include "common/errno_status.h"


namespace nsfence {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  // Appends ": <strerror>" itself.
  return absl::ErrnoToStatus(err, what);
}

}  // namespace nsfence
