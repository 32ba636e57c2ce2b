// Ends TCP connections inside a pod's network namespace with the kernel's
// SOCK_DESTROY (NETLINK_SOCK_DIAG): the owning process's next call fails with
// ECONNABORTED and the peer gets a reset. Used for connections the datapath
// blocked below a TLS floor (nsf_tls_blocked).
//
// setns() changes only the calling thread's namespace, so every destroy runs
// on a short-lived thread of its own; the caller's thread never moves.
#ifndef NSFENCE_LOADER_SOCKET_DESTROYER_H_
#define NSFENCE_LOADER_SOCKET_DESTROYER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nsfence/abi.h"

namespace nsfence::loader {

// One connection to end: its nsf_tls_blocked key (the socket cookie) and value.
struct BlockedSocket {
  uint64_t cookie = 0;
  nsfence_tls_blocked conn{};
};

// Ends the connection `conn` whose socket has cookie `cookie`, in the network
// namespace `netns_fd` (not owned). OK when it is already gone, including
// when its 4-tuple now belongs to another socket (the cookie protects that
// socket, e.g. a listener on the same port). When conn.netns_cookie is set
// and the kernel reports namespace cookies, a netns_fd of another namespace
// is an error rather than a silent "already gone".
absl::Status DestroySocket(const nsfence_tls_blocked& conn, uint64_t cookie, int netns_fd);

// The same for several connections of one namespace, on one thread and one
// netlink socket; one status per connection, in order.
std::vector<absl::Status> DestroySockets(const std::vector<BlockedSocket>& sockets, int netns_fd);

// The network namespace of a pod: /proc/<pid>/ns/net (O_RDONLY | O_CLOEXEC)
// of the first process listed in cgroup.procs of `pod_cgroup_dir` or of any
// cgroup below it (the containers). The caller closes the fd.
absl::StatusOr<int> OpenPodNetns(const std::string& pod_cgroup_dir);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_SOCKET_DESTROYER_H_
