// absl::Status from errno, keeping the errno text and the failed operation.
#ifndef NSFENCE_COMMON_ERRNO_STATUS_H_
#define NSFENCE_COMMON_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nsfence {

// "what: strerror(err)" with a code that matches err (ENOENT -> NotFound...).
absl::Status ErrnoStatus(int err, absl::string_view what);

}  // namespace nsfence

#endif  // NSFENCE_COMMON_ERRNO_STATUS_H_
