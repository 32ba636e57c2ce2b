// An IPv4 or IPv6 socket address from the command line of the load tool.
#ifndef NSFENCE_BENCH_LOAD_SOCKET_ADDRESS_H_
#define NSFENCE_BENCH_LOAD_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace nsfence::bench {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

// "10.0.0.1" or "fd00::1" with a port; nullopt for anything else.
std::optional<SocketAddress> ParseSocketAddress(const std::string& host, uint16_t port);

// [::]:port, which also takes IPv4 when the socket is not IPV6_V6ONLY.
SocketAddress AnyAddressV6(uint16_t port);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_SOCKET_ADDRESS_H_
