// IPv4 and IPv6 socket addresses from command lines, for the tools that run
// inside test and benchmark pods.
#ifndef NSFENCE_TESTS_SUPPORT_SOCKET_ADDRESS_H_
#define NSFENCE_TESTS_SUPPORT_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace nsfence::testing {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

// "10.0.0.1", "fd00::1" or "[fd00::1]" with a port; nullopt for anything else.
std::optional<SocketAddress> ParseSocketAddress(std::string host, uint16_t port);

// [::]:port, which also takes IPv4 when the socket is not IPV6_V6ONLY.
SocketAddress AnyAddressV6(uint16_t port);

}  // namespace nsfence::testing

#endif  // NSFENCE_TESTS_SUPPORT_SOCKET_ADDRESS_H_
