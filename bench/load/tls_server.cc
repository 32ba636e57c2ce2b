#include "load/tls_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace nsfence::bench {
namespace {

// Reads of one bulk connection before the others get a turn.
constexpr int kReadsPerTurn = 64;

}  // namespace

std::unique_ptr<TlsServer> TlsServer::Create(int handshake_listener, int bulk_listener,
                                             const std::string& cert_pem_path, std::string* error) {
  SslCtxPtr ctx = NewServerContext(cert_pem_path, error);
  if (!ctx) {
    close(handshake_listener);
    close(bulk_listener);
    return nullptr;
  }
  return std::unique_ptr<TlsServer>(
      new TlsServer(std::move(ctx), handshake_listener, bulk_listener));
}

TlsServer::~TlsServer() {
  while (!connections_.empty()) Close(connections_.begin()->first);
  close(handshake_listener_);
  close(bulk_listener_);
}

bool TlsServer::Watch(int epoll) {
  epoll_ = epoll;
  for (int fd : {handshake_listener_, bulk_listener_}) {
    epoll_event event{.events = EPOLLIN, .data = {.fd = fd}};
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) return false;
  }
  return true;
}

bool TlsServer::Owns(int fd) const {
  return fd == handshake_listener_ || fd == bulk_listener_ || connections_.contains(fd);
}

void TlsServer::OnReady(int fd) {
  if (fd == handshake_listener_ || fd == bulk_listener_) {
    Accept(fd, fd == bulk_listener_);
    return;
  }
  const auto it = connections_.find(fd);
  if (it != connections_.end() && !Advance(fd, it->second)) Close(fd);
}

void TlsServer::Accept(int listener, bool bulk) {
  for (;;) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    // A handshake flight must leave at once, not wait for Nagle.
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    SslPtr ssl(SSL_new(ctx_.get()));
    epoll_event event{.events = EPOLLIN, .data = {.fd = fd}};
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 ||
        epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      ERR_clear_error();
      close(fd);
      continue;
    }
    SSL_set_accept_state(ssl.get());
    Connection& connection = connections_[fd];
    connection = {.ssl = std::move(ssl), .bulk = bulk, .events = EPOLLIN};
    if (!Advance(fd, connection)) Close(fd);
  }
}

bool TlsServer::Advance(int fd, Connection& connection) {
  SSL* ssl = connection.ssl.get();
  if (!connection.handshake_done) {
    const int result = SSL_do_handshake(ssl);
    if (result != 1) return WaitFor(fd, connection, SSL_get_error(ssl, result));
    connection.handshake_done = true;
    if (!connection.bulk) {
      SSL_shutdown(ssl);  // close_notify: the client knows the handshake is over
      return false;
    }
  }
  static char buffer[64 * 1024];
  for (int i = 0; i < kReadsPerTurn; ++i) {
    const int n = SSL_read(ssl, buffer, sizeof(buffer));
    if (n > 0) continue;
    const int ssl_error = SSL_get_error(ssl, n);
    if (ssl_error == SSL_ERROR_ZERO_RETURN) {
      SSL_shutdown(ssl);  // answers the client's close_notify: all was read
      return false;
    }
    return WaitFor(fd, connection, ssl_error);
  }
  return true;  // more to read; epoll reports the socket again
}

bool TlsServer::WaitFor(int fd, Connection& connection, int ssl_error) {
  uint32_t events = 0;
  if (ssl_error == SSL_ERROR_WANT_READ) {
    events = EPOLLIN;
  } else if (ssl_error == SSL_ERROR_WANT_WRITE) {
    events = EPOLLOUT;
  } else {
    // Stale errors would make SSL_get_error misjudge the next connection.
    ERR_clear_error();
    return false;
  }
  if (events != connection.events) {
    epoll_event event{.events = events, .data = {.fd = fd}};
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event) != 0) return false;
    connection.events = events;
  }
  return true;
}

void TlsServer::Close(int fd) {
  connections_.erase(fd);  // frees the SSL object
  close(fd);               // also leaves the epoll set
}

}  // namespace nsfence::bench
