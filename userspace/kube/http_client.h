// HTTP GETs to the API server over libcurl: whole responses (LIST) and
// streams of lines (WATCH). One HttpClient per thread: it owns one curl easy
// handle, which keeps its connection open between requests.
#ifndef NSFENCE_KUBE_HTTP_CLIENT_H_
#define NSFENCE_KUBE_HTTP_CLIENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/config.h"
#include "kube/token.h"

namespace nsfence::kube {

struct HttpOptions {
  absl::Duration connect_timeout = absl::Seconds(10);
  // For Get; a stream has its own.
  absl::Duration request_timeout = absl::Seconds(60);
};

struct HttpResponse {
  int status = 0;
  // The body; of a stream only when the status is not 2xx (a Status object).
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
};

// A line of a stream, without its "\n"; returns false to end the stream.
using LineHandler = std::function<bool(absl::string_view line)>;

class HttpClient {
 public:
  static absl::StatusOr<HttpClient> Create(const ClusterConfig& config, HttpOptions options = {});

  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // GET server+path. Any HTTP status is a response; errors are transport
  // failures (Unavailable, DeadlineExceeded) and token files that cannot be
  // read.
  absl::StatusOr<HttpResponse> Get(absl::string_view path);

  // GET server+path, handing each complete line of a 2xx body to `on_line`
  // as it arrives (an unterminated last line of a broken connection is
  // dropped). Returns when the server ends the response (OK), after
  // `timeout`, on a transport error, or Cancelled soon (about a second) after
  // `stop` is set or at once when on_line returns false.
  absl::StatusOr<HttpResponse> Stream(absl::string_view path, const LineHandler& on_line,
                                      const std::atomic<bool>& stop, absl::Duration timeout);

 private:
  struct Handle;
  struct Transfer;

  HttpClient(std::unique_ptr<Handle> handle, HttpOptions options);
  absl::StatusOr<HttpResponse> Perform(absl::string_view path, absl::Duration timeout,
                                       Transfer* transfer);

  std::unique_ptr<Handle> handle_;
  HttpOptions options_;
};

// "a b" -> "a%20b": a query parameter value (continue tokens, selectors).
std::string QueryEscape(absl::string_view value);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_HTTP_CLIENT_H_
