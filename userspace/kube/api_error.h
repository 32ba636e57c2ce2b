// A refused request as an absl::Status: the API server's own message (its
// Status object) with what to do about it, and the HTTP status kept as a
// payload so that callers can tell 410 Gone (re-list) from other failures.
#ifndef NSFENCE_KUBE_API_ERROR_H_
#define NSFENCE_KUBE_API_ERROR_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/json.h"

namespace nsfence::kube {

inline constexpr int kHttpGone = 410;

// "<what>: HTTP 403 Forbidden: <the server's message>: <hint>", e.g. for
// what = "GET /api/v1/pods". `body` is the response body: a Status object,
// or anything else (quoted as it is).
absl::Status ApiError(absl::string_view what, int http_status, absl::string_view body);

// The same from a Status object that a watch stream sent as an ERROR event
// (its "code" is the HTTP status).
absl::Status ApiError(absl::string_view what, const Struct& status_object);

// The HTTP status ApiError recorded; nullopt for other statuses.
std::optional<int> HttpStatusOf(const absl::Status& status);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_API_ERROR_H_
