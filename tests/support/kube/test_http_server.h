// A small HTTP/1.1 server on 127.0.0.1 for the API client's tests: one
// thread per connection, one request per connection ("Connection: close"),
// answered by a handler that may stream (chunked) and block.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_TEST_HTTP_SERVER_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_TEST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"

namespace nsfence::kube::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case

  // "" when absent.
  std::string Query(const std::string& name) const;
  std::string Header(const std::string& name) const;
};

// Writes one response on a connection. Each call returns false once the
// client is gone.
class HttpResponder {
 public:
  explicit HttpResponder(int fd) : fd_(fd) {}

  // A whole response with Content-Length.
  bool Send(int status, absl::string_view body);
  // The head of a chunked response; then Chunk()s and EndChunks().
  bool StartChunks(int status);
  bool Chunk(absl::string_view data);
  bool EndChunks();
  // Bytes as they are: a chunk cut short, to break a stream mid-line.
  bool WriteRaw(absl::string_view data);

 private:
  int fd_;
};

class TestHttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponder&)>;

  // Listens on 127.0.0.1, any free port.
  explicit TestHttpServer(Handler handler);
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;
  // Cuts every connection and joins the threads: handlers must return when
  // stopping() is true.
  ~TestHttpServer();

  std::string url() const;  // "http://127.0.0.1:<port>"
  bool stopping() const { return stopping_.load(); }

 private:
  void Accept();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_TEST_HTTP_SERVER_H_
