// The TLS side of the load server, in the server's epoll loop: on one port
// it completes a full handshake, sends close_notify and closes (handshake
// rate); on the next it completes the handshake and reads and discards
// application data until the client's close_notify, which it answers
// (bulk throughput). Non-blocking, one SSL object per connection.
#ifndef NSFENCE_BENCH_LOAD_TLS_SERVER_H_
#define NSFENCE_BENCH_LOAD_TLS_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "load/tls_context.h"

namespace nsfence::bench {

class TlsServer {
 public:
  // Makes the key and certificate (the certificate written to
  // `cert_pem_path`) and serves on two listening non-blocking sockets, which
  // it then owns. nullptr with `*error` set on failure.
  static std::unique_ptr<TlsServer> Create(int handshake_listener, int bulk_listener,
                                           const std::string& cert_pem_path, std::string* error);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Adds the listeners to `epoll` (whose events carry the fd).
  bool Watch(int epoll);
  // Whether `fd` is one of this server's listeners or connections.
  bool Owns(int fd) const;
  // `fd` is ready; does what can be done without blocking.
  void OnReady(int fd);

 private:
  struct Connection {
    SslPtr ssl;
    bool bulk = false;
    bool handshake_done = false;
    uint32_t events = 0;  // what epoll watches for
  };

  TlsServer(SslCtxPtr ctx, int handshake_listener, int bulk_listener)
      : ctx_(std::move(ctx)),
        handshake_listener_(handshake_listener),
        bulk_listener_(bulk_listener) {}

  void Accept(int listener, bool bulk);
  // Runs the connection as far as it goes; false once it is over.
  bool Advance(int fd, Connection& connection);
  // Watches `fd` for what the last SSL call wanted; false if it failed.
  bool WaitFor(int fd, Connection& connection, int ssl_error);
  void Close(int fd);

  SslCtxPtr ctx_;
  int handshake_listener_;
  int bulk_listener_;
  int epoll_ = -1;
  std::unordered_map<int, Connection> connections_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_TLS_SERVER_H_
