#include "kube/http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace nsfence::kube {
namespace {

// curl_easy_init would do it lazily, but not safely from several threads at once.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

long Millis(absl::Duration d) { return static_cast<long>(absl::ToInt64Milliseconds(d)); }

// What to do about a failed transfer, for the operator reading the log.
absl::string_view Hint(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return "is the API server address right and reachable from this node?";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
      return "check the CA bundle and client certificate of the cluster config";
    default:
      return "";
  }
}

}  // namespace

// The easy handle and what stays the same for each request.
struct HttpClient::Handle {
  CURL* curl = nullptr;
  std::string server;
  BearerToken token;
  char error[CURL_ERROR_SIZE] = {};

  explicit Handle(const ClusterConfig& config) : server(config.server), token(config) {}
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

// One request's callbacks' state.
struct HttpClient::Transfer {
  CURL* curl = nullptr;
  const LineHandler* on_line = nullptr;  // null: collect the whole body
  const std::atomic<bool>* stop = nullptr;
  HttpResponse response;
  std::string pending;  // a stream's unterminated line
  bool ended_by_handler = false;

  // Hands over every complete line in `pending`; false when the handler ended the stream.
  bool DeliverLines() {
    size_t start = 0;
    for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
      absl::string_view line(pending.data() + start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!(*on_line)(line)) {
        ended_by_handler = true;
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  }

  static size_t OnData(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (transfer->on_line == nullptr || !transfer->StatusIsOk()) {
      transfer->response.body.append(data, bytes);
      return bytes;
    }
    transfer->pending.append(data, bytes);
    return transfer->DeliverLines() ? bytes : CURL_WRITEFUNC_ERROR;
  }

  // Called about once a second while idle: how a stop reaches a quiet stream.
  static int OnProgress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/,
                        curl_off_t /*ultotal*/, curl_off_t /*ulnow*/) {
    const auto* transfer = static_cast<const Transfer*>(user);
    return transfer->stop != nullptr && transfer->stop->load() ? 1 : 0;
  }

  bool StatusIsOk() {
    if (response.status == 0) {
      long code = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
      response.status = static_cast<int>(code);
    }
    return response.ok();
  }
};

absl::StatusOr<HttpClient> HttpClient::Create(const ClusterConfig& config, HttpOptions options) {
  InitCurlOnce();
  auto handle = std::make_unique<Handle>(config);
  handle->curl = curl_easy_init();
  if (handle->curl == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* curl = handle->curl;
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded agent
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, Millis(options.connect_timeout));
  // A watch may be quiet for minutes; keepalives notice a vanished server.
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::OnData);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Transfer::OnProgress);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "nsfence-agent");

  // The blob options copy the PEM text (CURL_BLOB_COPY): no temporary files.
  const auto set_pem = [curl](CURLoption file_option, CURLoption blob_option,
                              const std::string& file, const std::string& pem,
                              absl::string_view what) -> absl::Status {
    CURLcode code = CURLE_OK;
    if (!pem.empty()) {
      curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
      code = curl_easy_setopt(curl, blob_option, &blob);
    } else if (!file.empty()) {
      code = curl_easy_setopt(curl, file_option, file.c_str());
    }
    if (code == CURLE_OK) return absl::OkStatus();
    return absl::UnimplementedError(absl::StrCat("libcurl cannot take the ", what, ": ",
                                                 curl_easy_strerror(code),
                                                 " (it needs to be built with OpenSSL)"));
  };
  if (absl::Status s = set_pem(CURLOPT_CAINFO, CURLOPT_CAINFO_BLOB, config.ca_file,
                               config.ca_pem, "CA bundle");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = set_pem(CURLOPT_SSLCERT, CURLOPT_SSLCERT_BLOB, config.client_cert_file,
                               config.client_cert_pem, "client certificate");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = set_pem(CURLOPT_SSLKEY, CURLOPT_SSLKEY_BLOB, config.client_key_file,
                               config.client_key_pem, "client key");
      !s.ok()) {
    return s;
  }
  if (config.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return HttpClient(std::move(handle), options);
}

HttpClient::HttpClient(std::unique_ptr<Handle> handle, HttpOptions options)
    : handle_(std::move(handle)), options_(options) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

absl::StatusOr<HttpResponse> HttpClient::Get(absl::string_view path) {
  Transfer transfer;
  return Perform(path, options_.request_timeout, &transfer);
}

absl::StatusOr<HttpResponse> HttpClient::Stream(absl::string_view path, const LineHandler& on_line,
                                                const std::atomic<bool>& stop,
                                                absl::Duration timeout) {
  Transfer transfer;
  transfer.on_line = &on_line;
  transfer.stop = &stop;
  absl::StatusOr<HttpResponse> response = Perform(path, timeout, &transfer);
  // The server ended the body: what is left is its last line.
  if (response.ok() && response->ok() && !transfer.pending.empty()) {
    transfer.pending += '\n';
    transfer.DeliverLines();
  }
  return response;
}

absl::StatusOr<HttpResponse> HttpClient::Perform(absl::string_view path, absl::Duration timeout,
                                                 Transfer* transfer) {
  const std::string url = absl::StrCat(handle_->server, path);
  absl::StatusOr<std::string> token = handle_->token.Get();
  if (!token.ok()) return token.status();

  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!token->empty()) {
    headers = curl_slist_append(headers, absl::StrCat("Authorization: Bearer ", *token).c_str());
  }
  CURL* curl = handle_->curl;
  transfer->curl = curl;
  handle_->error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(timeout));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, transfer);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);

  if (code == CURLE_OK) {
    transfer->StatusIsOk();  // sets the status of an empty body too
    return std::move(transfer->response);
  }
  if (transfer->ended_by_handler) return absl::CancelledError(absl::StrCat("GET ", url, ": ended"));
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return absl::CancelledError(absl::StrCat("GET ", url, ": stopped"));
  }
  const std::string detail =
      handle_->error[0] != '\0' ? std::string(handle_->error) : curl_easy_strerror(code);
  const absl::string_view hint = Hint(code);
  const std::string message =
      absl::StrCat("GET ", url, ": ", detail, hint.empty() ? "" : ": ", hint);
  if (code == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(message);
  return absl::UnavailableError(message);
}

std::string QueryEscape(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace nsfence::kube
