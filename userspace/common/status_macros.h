// Early-return helpers for absl::Status / absl::StatusOr.
#ifndef NSFENCE_COMMON_STATUS_MACROS_H_
#define NSFENCE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NSF_CONCAT_INNER_(a, b) a##b
#define NSF_CONCAT_(a, b) NSF_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when it is not OK.
#define NSF_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    absl::Status nsf_status_ = (expr);                 \
    if (!nsf_status_.ok()) return nsf_status_;         \
  } while (0)

// `NSF_ASSIGN_OR_RETURN(auto x, F());` binds x to F()'s value or returns its status.
#define NSF_ASSIGN_OR_RETURN(lhs, expr) \
  NSF_ASSIGN_OR_RETURN_IMPL_(NSF_CONCAT_(nsf_statusor_, __LINE__), lhs, expr)

// NOLINTBEGIN(bugprone-macro-parentheses): lhs is a declaration.
#define NSF_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // NSFENCE_COMMON_STATUS_MACROS_H_
