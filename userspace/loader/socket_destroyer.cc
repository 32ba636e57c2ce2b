#include "loader/socket_destroyer.h"

#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errno_status.h"
#include "common/ip.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71  // Linux 5.14; older headers lack it
#endif

namespace nsfence::loader {
namespace {

// A netlink round trip takes microseconds; this only bounds a kernel that
// never answers, so the agent's event loop cannot hang on it.
constexpr absl::Duration kAnswerTimeout = absl::Seconds(2);

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool IsV4(const nsfence_tls_blocked& c) { return c.family == NSFENCE_FAMILY_V4; }

std::string Describe(const BlockedSocket& s) {
  const IpFamily family = IsV4(s.conn) ? IpFamily::kV4 : IpFamily::kV6;
  return absl::StrCat("TCP ", IpAddress(family, s.conn.local_addr).WithPort(s.conn.local_port), " -> ",
                      IpAddress(family, s.conn.peer_addr).WithPort(s.conn.peer_port), " (socket cookie ",
                      s.cookie, ")");
}

// The kernel finds the socket as if a packet came from the peer: src is the
// pod's own end (see inet_diag_find_one_icsk).
inet_diag_req_v2 DestroyRequest(const BlockedSocket& s) {
  inet_diag_req_v2 req{};
  const size_t addr_len = IsV4(s.conn) ? 4 : 16;
  req.sdiag_family = IsV4(s.conn) ? AF_INET : AF_INET6;
  req.sdiag_protocol = IPPROTO_TCP;
  req.idiag_states = ~0U;  // any state: the connection may be closing already
  req.id.idiag_sport = htons(s.conn.local_port);
  req.id.idiag_dport = htons(s.conn.peer_port);
  std::memcpy(req.id.idiag_src, s.conn.local_addr, addr_len);
  std::memcpy(req.id.idiag_dst, s.conn.peer_addr, addr_len);
  // Only the socket with this cookie may go: the same 4-tuple can meanwhile
  // name a new connection, and a gone connection's tuple finds its listener.
  // The kernel compares cookie[0] with the low and cookie[1] with the high
  // 32 bits (sock_diag_check_cookie), and answers ESTALE on a mismatch.
  req.id.idiag_cookie[0] = static_cast<uint32_t>(s.cookie);
  req.id.idiag_cookie[1] = static_cast<uint32_t>(s.cookie >> 32);
  return req;
}

absl::Status Send(int nl, uint16_t type, uint16_t flags, uint32_t seq, const inet_diag_req_v2& req) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req));
  msg.nlh.nlmsg_type = type;
  msg.nlh.nlmsg_flags = flags;
  msg.nlh.nlmsg_seq = seq;
  msg.req = req;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(nl, &msg, msg.nlh.nlmsg_len, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    return ErrnoStatus(errno, "sending a sock_diag request");
  }
  return absl::OkStatus();
}

// The errno (0 for success) the kernel answered request `seq` with: the
// NLMSG_ERROR ack, or for a dump its NLMSG_DONE.
absl::StatusOr<int> Answer(int nl, uint32_t seq) {
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    const ssize_t n = recv(nl, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return absl::DeadlineExceededError(absl::StrCat("the kernel did not answer a sock_diag request within ",
                                                        absl::FormatDuration(kAnswerTimeout)));
      }
      return ErrnoStatus(errno, "reading the sock_diag answer");
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;  // a late answer to an earlier request
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return absl::DataLossError("truncated netlink ack");
        return -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      }
      if (h->nlmsg_type == NLMSG_DONE) {
        int err = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) std::memcpy(&err, NLMSG_DATA(h), sizeof(int));
        return -err;
      }
    }
  }
}

// ENOENT from SOCK_DESTROY means "no such socket" only when the kernel has
// TCP socket diagnostics at all; without them it answers ENOENT too. An empty
// dump (no states asked) tells the two apart.
absl::Status RequireTcpDiag(int nl, uint32_t seq) {
  inet_diag_req_v2 req{};
  req.sdiag_family = AF_INET;
  req.sdiag_protocol = IPPROTO_TCP;
  req.idiag_states = 0;
  if (absl::Status s = Send(nl, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, req); !s.ok()) return s;
  absl::StatusOr<int> err = Answer(nl, seq);
  if (!err.ok()) return err.status();
  if (*err == ENOENT) {
    return absl::FailedPreconditionError(
        "this kernel has no TCP socket diagnostics (NETLINK_SOCK_DIAG for TCP answers ENOENT): load the "
        "tcp_diag module (modprobe tcp_diag) or build with CONFIG_INET_TCP_DIAG");
  }
  return absl::OkStatus();
}

absl::Status Explain(int err, const BlockedSocket& s) {
  switch (err) {
    case 0:
    case ESTALE:  // the tuple is another socket's now: ours is gone
      return absl::OkStatus();
    case EOPNOTSUPP:
      return absl::FailedPreconditionError(absl::StrCat(
          "ending ", Describe(s), ": this kernel cannot destroy sockets (built without "
          "CONFIG_INET_DIAG_DESTROY); the connection stays stalled until it times out"));
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat(
          "ending ", Describe(s), ": SOCK_DESTROY needs CAP_NET_ADMIN in the pod's network namespace"));
    default:
      return ErrnoStatus(err, absl::StrCat("ending ", Describe(s), " with SOCK_DESTROY"));
  }
}

std::optional<uint64_t> NetnsCookieOf(int fd) {
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) return std::nullopt;  // before 5.14
  return cookie;
}

// Runs on a thread that may change its network namespace.
std::vector<absl::Status> DestroyOnThisThread(const std::vector<BlockedSocket>& sockets, int netns_fd) {
  std::vector<absl::Status> results(sockets.size());
  auto fail_all = [&](const absl::Status& s) {
    for (absl::Status& r : results) r = s;
    return results;
  };
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    return fail_all(ErrnoStatus(errno, "entering the pod's network namespace (setns; needs CAP_SYS_ADMIN)"));
  }
  // Created after setns: a netlink socket speaks for the namespace it was made in.
  ScopedFd nl(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (nl.get() < 0) return fail_all(ErrnoStatus(errno, "opening a NETLINK_SOCK_DIAG socket"));
  const timeval timeout = absl::ToTimeval(kAnswerTimeout);
  setsockopt(nl.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const std::optional<uint64_t> here = NetnsCookieOf(nl.get());

  uint32_t seq = 0;
  bool tcp_diag_checked = false;
  for (size_t i = 0; i < sockets.size(); ++i) {
    const BlockedSocket& s = sockets[i];
    if (s.cookie == 0) {
      // No socket has cookie 0, and INET_DIAG_NOCOOKIE could end a listener.
      results[i] = absl::InvalidArgumentError(absl::StrCat("ending ", Describe(s), ": no socket cookie"));
      continue;
    }
    if (here && s.conn.netns_cookie != 0 && *here != s.conn.netns_cookie) {
      results[i] = absl::FailedPreconditionError(absl::StrCat(
          "ending ", Describe(s), ": the namespace found for its pod (netns cookie ", *here,
          ") is not the connection's (netns cookie ", s.conn.netns_cookie, ")"));
      continue;
    }
    if (absl::Status sent = Send(nl.get(), SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, ++seq, DestroyRequest(s));
        !sent.ok()) {
      results[i] = sent;
      continue;
    }
    absl::StatusOr<int> err = Answer(nl.get(), seq);
    if (!err.ok()) {
      results[i] = err.status();
      continue;
    }
    if (*err == ENOENT) {
      if (!tcp_diag_checked) {
        if (absl::Status diag = RequireTcpDiag(nl.get(), ++seq); !diag.ok()) return fail_all(diag);
        tcp_diag_checked = true;
      }
      continue;  // already gone
    }
    results[i] = Explain(*err, s);
  }
  return results;
}

}  // namespace

std::vector<absl::Status> DestroySockets(const std::vector<BlockedSocket>& sockets, int netns_fd) {
  if (sockets.empty()) return {};
  std::vector<absl::Status> results;
  try {
    std::thread worker([&] { results = DestroyOnThisThread(sockets, netns_fd); });
    worker.join();
  } catch (const std::system_error& e) {
    results.assign(sockets.size(), absl::ResourceExhaustedError(absl::StrCat(
                                       "starting a thread to end connections: ", e.what())));
  }
  return results;
}

absl::Status DestroySocket(const nsfence_tls_blocked& conn, uint64_t cookie, int netns_fd) {
  return DestroySockets({BlockedSocket{.cookie = cookie, .conn = conn}}, netns_fd).front();
}

absl::StatusOr<int> OpenPodNetns(const std::string& pod_cgroup_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(pod_cgroup_dir, ec)) {
    return absl::NotFoundError(absl::StrCat("pod cgroup ", pod_cgroup_dir,
                                            " does not exist (pod deleted?): no network namespace to enter"));
  }
  std::vector<fs::path> dirs = {pod_cgroup_dir};
  for (fs::recursive_directory_iterator it(pod_cgroup_dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) dirs.push_back(it->path());
  }
  bool saw_foreign_pid = false;
  absl::Status last_error;
  for (const fs::path& dir : dirs) {
    std::ifstream procs(dir / "cgroup.procs");
    long pid = 0;
    while (procs >> pid) {
      if (pid <= 0) {
        saw_foreign_pid = true;  // listed as 0: outside this agent's PID namespace
        continue;
      }
      const std::string path = absl::StrCat("/proc/", pid, "/ns/net");
      const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) return fd;
      // A process that just exited is no reason to fail while others remain.
      if (errno != ENOENT && errno != ESRCH) last_error = ErrnoStatus(errno, absl::StrCat("opening ", path));
    }
  }
  if (!last_error.ok()) return last_error;
  if (saw_foreign_pid) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the processes of pod cgroup ", pod_cgroup_dir,
        " are outside this agent's PID namespace; run the agent in the host PID namespace (hostPID: true)"));
  }
  return absl::NotFoundError(absl::StrCat("no process in pod cgroup ", pod_cgroup_dir,
                                          " or below it: the pod has no running container, so no "
                                          "network namespace to enter"));
}

}  // namespace nsfence::loader
