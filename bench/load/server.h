// The server side of the load: on one port a TCP echo server and a UDP echo
// server, on the next port a TCP server that closes every connection as soon
// as it has accepted it (for connection-rate loops); optionally a TLS server
// on two more ports (see tls_server.h). One thread, epoll.
#ifndef NSFENCE_BENCH_LOAD_SERVER_H_
#define NSFENCE_BENCH_LOAD_SERVER_H_

#include <cstdint>
#include <string>

namespace nsfence::bench {

struct ServerOptions {
  uint16_t echo_port = 0;
  // 0: no TLS. Otherwise TLS handshakes on tls_port, bulk on tls_port + 1,
  // with a certificate made at start-up and written to tls_cert_out.
  uint16_t tls_port = 0;
  std::string tls_cert_out;
};

// Prints "listening" once all sockets are bound (and the certificate is
// written), then serves until killed. Returns only on a setup error (after
// printing it), with the exit code.
int RunServer(const ServerOptions& options);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_SERVER_H_
