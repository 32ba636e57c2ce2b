// The agent's admin socket (--admin-socket): a unix stream socket on which
// root asks for the agent's state (`nsfencectl status`) and ends a pod's
// quarantine (`nsfencectl release NAMESPACE/POD`).
//
// One request line per connection ("status\n", "release NAMESPACE/POD\n"),
// one JSON line back, then the agent closes. Peers other than uid 0 (SO_PEERCRED) are closed at once.
// Nothing blocks the agent: connections are non-blocking, a request is at
// most kMaxRequestBytes, a client that has not sent its whole line within
// kRequestTimeout is closed, and at most kMaxPending wait at once (more are
// closed unanswered).
#ifndef NSFENCE_AGENT_ADMIN_SOCKET_H_
#define NSFENCE_AGENT_ADMIN_SOCKET_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/status.pb.h"

namespace nsfence::agent {

// What the agent does for each request.
struct AdminHandlers {
  std::function<Status()> status;
  // Ends the quarantine of "NAMESPACE/POD"; an error says why it could not.
  std::function<absl::Status(absl::string_view pod)> release;
};

// The JSON line (newline included) answering one request line (without its
// newline): "status" -> the Status as JSON; "release NAMESPACE/POD" ->
// {"released": "NAMESPACE/POD"}; a failure or anything else ->
// {"error": "..."}.
std::string AdminResponse(absl::string_view request, const AdminHandlers& handlers);

class AdminSocket {
 public:
  static constexpr size_t kMaxRequestBytes = 256;
  static constexpr size_t kMaxPending = 8;
  static constexpr absl::Duration kRequestTimeout = absl::Seconds(2);

  // Listens on `path`: its parent directory is created (0700) when missing,
  // the socket file is 0600. A stale socket file (nothing accepts on it) is
  // replaced; one another process listens on is an error naming the path.
  static absl::StatusOr<std::unique_ptr<AdminSocket>> Open(const std::string& path,
                                                            AdminHandlers handlers);
  // Closes every connection and removes the socket file.
  ~AdminSocket();
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  // Readable when Handle has work: new connections, request bytes, timeouts.
  int fd() const { return epoll_fd_; }
  const std::string& path() const { return path_; }
  // Accepts, reads and answers what is ready without blocking.
  void Handle();

 private:
  struct Pending {
    int fd = -1;
    std::string request;
    absl::Time deadline;
  };
  AdminSocket(std::string path, AdminHandlers handlers) : path_(std::move(path)), handlers_(std::move(handlers)) {}
  void Accept();
  // Reads what `p` sent; true when it is done with (answered or dropped).
  bool Read(Pending& p);
  void Drop(size_t index);
  void ArmTimer();

  std::string path_;
  AdminHandlers handlers_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  std::vector<Pending> pending_;
};

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_ADMIN_SOCKET_H_
