#include "load/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "load/tls_server.h"
#include "support/socket_address.h"

namespace nsfence::bench {
namespace {

int Fail(const char* what) {
  std::fprintf(stderr, "nsfence-bench-load serve: %s: %s\n", what, std::strerror(errno));
  return 1;
}

// A dual-stack socket bound to [::]:port; -1 on error.
int BoundSocket(int type, uint16_t port) {
  const int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int off = 0, on = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  const testing::SocketAddress any = testing::AnyAddressV6(port);
  if (bind(fd, any.get(), any.length) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int Listener(uint16_t port) {
  const int fd = BoundSocket(SOCK_STREAM, port);
  if (fd >= 0 && listen(fd, SOMAXCONN) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool Watch(int epoll, int fd) {
  epoll_event event{.events = EPOLLIN, .data = {.fd = fd}};
  return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0;
}

void AcceptEchoClients(int epoll, int listener) {
  for (;;) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    // Small requests must leave at once, not wait for Nagle.
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (!Watch(epoll, fd)) close(fd);
  }
}

void AcceptAndClose(int listener) {
  for (;;) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    close(fd);
  }
}

void EchoStream(int fd) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      // Requests are tiny; a full send buffer means a misbehaving client.
      if (write(fd, buffer, n) != n) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    break;  // end of stream or error
  }
  close(fd);  // also leaves the epoll set
}

void EchoDatagrams(int fd) {
  char buffer[2048];
  for (;;) {
    testing::SocketAddress from;
    from.length = sizeof(from.storage);
    const ssize_t n = recvfrom(fd, buffer, sizeof(buffer), 0, from.get(), &from.length);
    if (n < 0) return;
    sendto(fd, buffer, n, 0, from.get(), from.length);
  }
}

}  // namespace

int RunServer(const ServerOptions& options) {
  const uint16_t echo_port = options.echo_port;
  const int echo = Listener(echo_port);
  if (echo < 0) return Fail("TCP echo listener");
  const int closer = Listener(echo_port + 1);
  if (closer < 0) return Fail("TCP accept-and-close listener");
  const int datagrams = BoundSocket(SOCK_DGRAM, echo_port);
  if (datagrams < 0) return Fail("UDP echo socket");
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) return Fail("epoll_create1");
  for (int fd : {echo, closer, datagrams}) {
    if (!Watch(epoll, fd)) return Fail("epoll_ctl");
  }
  std::unique_ptr<TlsServer> tls;
  if (options.tls_port != 0) {
    const int handshakes = Listener(options.tls_port);
    if (handshakes < 0) return Fail("TLS handshake listener");
    const int bulk = Listener(options.tls_port + 1);
    if (bulk < 0) return Fail("TLS bulk listener");
    std::string error;
    tls = TlsServer::Create(handshakes, bulk, options.tls_cert_out, &error);
    if (!tls) {
      std::fprintf(stderr, "nsfence-bench-load serve: TLS: %s\n", error.c_str());
      return 1;
    }
    if (!tls->Watch(epoll)) return Fail("epoll_ctl");
  }
  std::printf("listening\n");
  std::fflush(stdout);

  for (;;) {
    epoll_event ready[64];
    const int n = epoll_wait(epoll, ready, 64, -1);
    if (n < 0 && errno != EINTR) return Fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
      const int fd = ready[i].data.fd;
      if (tls && tls->Owns(fd)) {
        tls->OnReady(fd);
      } else if (fd == echo) {
        AcceptEchoClients(epoll, echo);
      } else if (fd == closer) {
        AcceptAndClose(closer);
      } else if (fd == datagrams) {
        EchoDatagrams(datagrams);
      } else {
        EchoStream(fd);
      }
    }
  }
}

}  // namespace nsfence::bench
