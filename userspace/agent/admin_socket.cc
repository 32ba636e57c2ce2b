#include "agent/admin_socket.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::agent {
namespace {

absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("--admin-socket ", path, ": a unix socket path must be 1 to ",
                                                   sizeof(addr.sun_path) - 1, " bytes long"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// mkdir -p, each directory created 0700.
absl::Status MakeParents(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("--admin-socket: creating ", dir));
    }
  }
  return absl::OkStatus();
}

// An existing socket file: an error when something accepts on it, else removed.
absl::Status ReplaceStale(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? absl::OkStatus() : ErrnoStatus(errno, absl::StrCat("--admin-socket ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::AlreadyExistsError(
        absl::StrCat("--admin-socket ", path, " exists and is not a socket; remove it or choose another path"));
  }
  const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return ErrnoStatus(errno, "socket");
  const int connected = connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  close(probe);
  if (connected == 0) {
    return absl::AlreadyExistsError(absl::StrCat("--admin-socket ", path,
                                                 " is in use: another nsfence-agent runs on this node "
                                                 "(stop it, or give this one another --admin-socket)"));
  }
  if (err != ECONNREFUSED) return ErrnoStatus(err, absl::StrCat("--admin-socket: probing ", path));
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, absl::StrCat("--admin-socket: removing the stale ", path));
  }
  log::Info("admin socket ", path, ": replaced a stale socket file");
  return absl::OkStatus();
}

void SendAll(int fd, const std::string& data) {
  // Non-blocking: a response is a few KB, well within a unix socket's buffer;
  // a peer that does not read loses the rest rather than stalling the agent.
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

// {"<key>": "<value>"} with the value escaped as JSON needs.
std::string OneFieldJson(const std::string& key, const std::string& value) {
  google::protobuf::Struct object;
  (*object.mutable_fields())[key].set_string_value(value);
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(object, &out).ok()) return R"({"error": "unprintable"})";
  return out;
}

std::string AdminResponse(absl::string_view request, const AdminHandlers& handlers) {
  request = absl::StripAsciiWhitespace(request);
  if (request == "status") {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;  // zeros, empty strings and lists too
    std::string out;
    if (const auto printed = google::protobuf::util::MessageToJsonString(handlers.status(), &out, options);
        !printed.ok()) {
      return R"({"error": "the status could not be printed as JSON"})" "\n";
    }
    return out + "\n";
  }
  if (absl::ConsumePrefix(&request, "release ")) {
    const std::string pod(absl::StripAsciiWhitespace(request));
    const absl::Status released = handlers.release(pod);
    return (released.ok() ? OneFieldJson("released", pod) : OneFieldJson("error", std::string(released.message()))) +
           "\n";
  }
  return R"({"error": "unknown request; the requests are: status, release NAMESPACE/POD"})" "\n";
}

absl::StatusOr<std::unique_ptr<AdminSocket>> AdminSocket::Open(const std::string& path,
                                                                AdminHandlers handlers) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("--admin-socket expects an absolute path, got \"", path, "\""));
  }
  absl::StatusOr<sockaddr_un> addr = UnixAddress(path);
  if (!addr.ok()) return addr.status();
  if (absl::Status s = MakeParents(path); !s.ok()) return s;
  if (absl::Status s = ReplaceStale(path, *addr); !s.ok()) return s;

  std::unique_ptr<AdminSocket> admin(new AdminSocket(path, std::move(handlers)));
  admin->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (admin->listen_fd_ < 0) return ErrnoStatus(errno, "admin socket: socket");
  // 0600 from the start: no moment in which others could connect.
  const mode_t old_umask = umask(0177);
  const int bound = bind(admin->listen_fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  const int bind_errno = errno;
  umask(old_umask);
  if (bound != 0) {
    const int fd = std::exchange(admin->listen_fd_, -1);
    close(fd);
    admin->path_.clear();  // not ours to remove
    return ErrnoStatus(bind_errno, absl::StrCat("--admin-socket: binding ", path));
  }
  if (chmod(path.c_str(), 0600) != 0) return ErrnoStatus(errno, absl::StrCat("--admin-socket: chmod ", path));
  if (listen(admin->listen_fd_, 16) != 0) return ErrnoStatus(errno, absl::StrCat("--admin-socket: listen ", path));
  admin->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (admin->epoll_fd_ < 0) return ErrnoStatus(errno, "admin socket: epoll_create1");
  admin->timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (admin->timer_fd_ < 0) return ErrnoStatus(errno, "admin socket: timerfd_create");
  for (int fd : {admin->listen_fd_, admin->timer_fd_}) {
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    if (epoll_ctl(admin->epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return ErrnoStatus(errno, "admin socket: epoll_ctl");
  }
  return admin;
}

AdminSocket::~AdminSocket() {
  for (const Pending& p : pending_) close(p.fd);
  for (int fd : {listen_fd_, epoll_fd_, timer_fd_}) {
    if (fd >= 0) close(fd);
  }
  if (!path_.empty()) unlink(path_.c_str());
}

void AdminSocket::Handle() {
  epoll_event ready[16];
  int n = 0;
  while ((n = epoll_wait(epoll_fd_, ready, 16, 0)) > 0) {
    for (int i = 0; i < n; ++i) {
      const int fd = ready[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
      } else if (fd == timer_fd_) {
        uint64_t expirations = 0;
        (void)!read(timer_fd_, &expirations, sizeof(expirations));
      } else {
        const auto it = std::find_if(pending_.begin(), pending_.end(), [fd](const Pending& p) { return p.fd == fd; });
        if (it != pending_.end() && Read(*it)) Drop(static_cast<size_t>(it - pending_.begin()));
      }
    }
    if (n < 16) break;
  }
  const absl::Time now = absl::Now();
  for (size_t i = pending_.size(); i-- > 0;) {
    if (pending_[i].deadline <= now) Drop(i);
  }
  ArmTimer();
}

void AdminSocket::Accept() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) log::Warn("admin socket ", path_, ": accept: ", strerror(errno));
      return;
    }
    ucred peer{};
    socklen_t len = sizeof(peer);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != 0) {
      close(fd);  // only root may ask (the file is 0600 anyway)
      continue;
    }
    if (pending_.size() >= kMaxPending) {
      close(fd);
      continue;
    }
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    pending_.push_back({.fd = fd, .request = {}, .deadline = absl::Now() + kRequestTimeout});
    // The request often arrives with the connection.
    if (Read(pending_.back())) Drop(pending_.size() - 1);
  }
}

bool AdminSocket::Read(Pending& p) {
  char buf[kMaxRequestBytes + 1];
  while (true) {
    const ssize_t n = recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno != EAGAIN && errno != EWOULDBLOCK;  // wait for more, or give up on it
    }
    if (n == 0) {  // the peer shut down writing: what it sent is the request
      if (!p.request.empty()) SendAll(p.fd, AdminResponse(p.request, handlers_));
      return true;
    }
    p.request.append(buf, static_cast<size_t>(n));
    const size_t newline = p.request.find('\n');
    if (newline <= kMaxRequestBytes) {  // npos (no newline yet) is larger
      SendAll(p.fd, AdminResponse(absl::string_view(p.request).substr(0, newline), handlers_));
      return true;
    }
    if (p.request.size() > kMaxRequestBytes) {
      SendAll(p.fd, absl::StrCat(R"({"error": "request longer than )", kMaxRequestBytes, R"( bytes"})", "\n"));
      return true;
    }
  }
}

void AdminSocket::Drop(size_t index) {
  close(pending_[index].fd);  // also leaves the epoll set
  pending_.erase(pending_.begin() + static_cast<ptrdiff_t>(index));
}

void AdminSocket::ArmTimer() {
  itimerspec spec{};
  if (!pending_.empty()) {
    absl::Time first = absl::InfiniteFuture();
    for (const Pending& p : pending_) first = std::min(first, p.deadline);
    // it_value zero disarms: wake at least 1 ms from now.
    spec.it_value = absl::ToTimespec(std::max(first - absl::Now(), absl::Milliseconds(1)));
  }
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

}  // namespace nsfence::agent
