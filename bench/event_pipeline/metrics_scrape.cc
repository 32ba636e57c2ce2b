#include "metrics_scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace nsfence::bench {
namespace {

constexpr timeval kTimeout = {.tv_sec = 5, .tv_usec = 0};

}  // namespace

absl::StatusOr<std::string> ScrapeMetrics(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &sin.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("not an IPv4 HOST:PORT: ", address));
  }
  sin.sin_port = htons(static_cast<uint16_t>(port));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kTimeout, sizeof(kTimeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kTimeout, sizeof(kTimeout));
  std::string response;
  absl::Status status;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin)) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("connecting to ", address));
  } else {
    const std::string request =
        absl::StrCat("GET /metrics HTTP/1.0\r\nHost: ", address, "\r\nConnection: close\r\n\r\n");
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      status = ErrnoStatus(errno, absl::StrCat("sending to ", address));
    }
    char buffer[65536];
    while (status.ok()) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = ErrnoStatus(errno, absl::StrCat("reading from ", address));
      if (n <= 0) break;
      response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (!status.ok()) return status;
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos ||
      response.find(" 200 ") > response.find("\r\n")) {
    return absl::UnavailableError(
        absl::StrCat("unexpected answer from ", address, ": ", response.substr(0, 200)));
  }
  return response.substr(body + 4);
}

std::optional<double> MetricSample(absl::string_view exposition, absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line), &value)) return value;
  }
  return std::nullopt;
}

std::string MetricsAddressFromLog(absl::string_view log) {
  constexpr absl::string_view kMarker = "metrics on http://";
  const size_t at = log.find(kMarker);
  if (at == absl::string_view::npos) return "";
  const size_t start = at + kMarker.size();
  const size_t end = log.find("/metrics", start);
  if (end == absl::string_view::npos) return "";
  return std::string(log.substr(start, end - start));
}

}  // namespace nsfence::bench
