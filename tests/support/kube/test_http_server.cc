#include "support/kube/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace nsfence::kube::testing {
namespace {

std::string Decode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    int byte = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        absl::SimpleHexAtoi(text.substr(i + 1, 2), &byte)) {
      out += static_cast<char>(byte);
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

bool Parse(absl::string_view head, HttpRequest* request) {
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() != 3) return false;
  request->method = first[0];
  request->target = first[1];
  const size_t question = request->target.find('?');
  request->path = request->target.substr(0, question);
  if (question != std::string::npos) {
    for (absl::string_view pair :
         absl::StrSplit(absl::string_view(request->target).substr(question + 1), '&')) {
      const std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, '=');
      request->query[Decode(kv.first)] = Decode(kv.second);
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    request->headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 500: return "Internal Server Error";
    default: return "Status";
  }
}

}  // namespace

std::string HttpRequest::Query(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::string HttpRequest::Header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

bool HttpResponder::WriteRaw(absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool HttpResponder::Send(int status, absl::string_view body) {
  return WriteRaw(absl::StrFormat(
      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
      "Connection: close\r\n\r\n",
      status, Reason(status), body.size())) &&
         WriteRaw(body);
}

bool HttpResponder::StartChunks(int status) {
  return WriteRaw(absl::StrFormat(
      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n",
      status, Reason(status)));
}

bool HttpResponder::Chunk(absl::string_view data) {
  // One write per chunk: a watch event leaves at once, whole.
  return WriteRaw(absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n"));
}

bool HttpResponder::EndChunks() { return WriteRaw("0\r\n\r\n"); }

TestHttpServer::TestHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();  // a test machine without loopback
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TestHttpServer::~TestHttpServer() {
  stopping_.store(true);
  shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  close(listen_fd_);
  std::vector<std::thread> connections;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    for (const int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    connections = std::move(connections_);
  }
  for (std::thread& thread : connections) thread.join();
}

std::string TestHttpServer::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

void TestHttpServer::Accept() {
  while (!stopping_.load()) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // shut down, or interrupted
    const std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.load()) {
      close(fd);
      break;
    }
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestHttpServer::Serve(int fd) {
  timeval timeout{5, 0};  // a client that never finishes its request
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  // Responses are written whole: no Nagle delay behind an unacknowledged
  // segment (a watch's latency).
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    head.append(buffer, static_cast<size_t>(n));
  }
  HttpRequest request;
  const size_t end = head.find("\r\n\r\n");
  if (end != std::string::npos && Parse(absl::string_view(head).substr(0, end), &request)) {
    HttpResponder responder(fd);
    handler_(request, responder);
  }
  const std::lock_guard<std::mutex> lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  close(fd);
}

}  // namespace nsfence::kube::testing
