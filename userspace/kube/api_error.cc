#include "kube/api_error.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nsfence::kube {
namespace {

constexpr char kHttpStatusPayload[] = "nsfence.io/http-status";

absl::StatusCode CodeOf(int http_status) {
  switch (http_status) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case kHttpGone: return absl::StatusCode::kOutOfRange;
    case 429: return absl::StatusCode::kResourceExhausted;
    default: return absl::StatusCode::kUnavailable;
  }
}

absl::string_view Hint(int http_status) {
  switch (http_status) {
    case 401:
      return "the token or client certificate was refused: check the service account token "
             "(or the kubeconfig's user)";
    case 403:
      return "the agent's identity may not read this: check the ClusterRole bound to its "
             "ServiceAccount (deploy/)";
    case 404:
      return "no such resource: is the IsolationPolicy CRD installed (deploy/crds/)?";
    case kHttpGone:
      return "the resource version is too old: the client lists again";
    default:
      return "";
  }
}

absl::Status Make(absl::string_view what, int http_status, absl::string_view reason,
                  absl::string_view message) {
  const absl::string_view hint = Hint(http_status);
  absl::Status status(
      CodeOf(http_status),
      absl::StrCat(what, ": HTTP ", http_status, reason.empty() ? "" : " ", reason,
                   message.empty() ? "" : ": ", message, hint.empty() ? "" : ": ", hint));
  status.SetPayload(kHttpStatusPayload, absl::Cord(absl::StrCat(http_status)));
  return status;
}

}  // namespace

absl::Status ApiError(absl::string_view what, int http_status, absl::string_view body) {
  absl::StatusOr<Struct> object = ParseJsonObject(body, what);
  if (object.ok() && StringAt(*object, {"kind"}) == "Status") {
    return Make(what, http_status, StringAt(*object, {"reason"}),
                StringAt(*object, {"message"}));
  }
  return Make(what, http_status, "", absl::StripAsciiWhitespace(body.substr(0, 200)));
}

absl::Status ApiError(absl::string_view what, const Struct& status_object) {
  const Value* code = FindPath(status_object, {"code"});
  const int http_status =
      code != nullptr && code->has_number_value() ? static_cast<int>(code->number_value()) : 500;
  return Make(what, http_status, StringAt(status_object, {"reason"}),
              StringAt(status_object, {"message"}));
}

std::optional<int> HttpStatusOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kHttpStatusPayload);  // absl::optional
  int http_status = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &http_status)) return std::nullopt;
  return http_status;
}

}  // namespace nsfence::kube
