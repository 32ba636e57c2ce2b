// The TLS clients of the load (OpenSSL), against the TLS server of
// tls_server.h. Each verifies the server's certificate against the one in
// `ca_pem_path` and sends kTlsServerName as SNI.
#ifndef NSFENCE_BENCH_LOAD_TLS_CLIENT_H_
#define NSFENCE_BENCH_LOAD_TLS_CLIENT_H_

#include <string>

#include "load/timing.h"
#include "support/socket_address.h"

namespace nsfence::bench {

using ::nsfence::testing::SocketAddress;

// Handshake rate: one after the other, a new TCP connection, a full
// handshake at exactly `version` (TLS1_2_VERSION or TLS1_3_VERSION), the
// server's close_notify awaited (so the server finished its side too), the
// socket aborted (no TIME_WAIT). Prints "handshakes=N seconds=S
// warmup_handshakes=W errors=E version=V cipher=C openssl=X
// [first_error=NAME]"; exit code 0 when there were no errors.
int RunTlsHandshakes(const SocketAddress& server, const std::string& ca_pem_path, int version,
                     const RunPhases& phases);

// Bulk throughput over one TLS 1.3 connection: writes of `write_bytes`
// (one TLS record each, up to 16 KiB) through the warm-up and the measured
// part, then close_notify, and the time until the server answers it (all
// data read) ends the measured part. Prints "bytes=N seconds=S
// warmup_bytes=W write_bytes=B errors=E version=V cipher=C openssl=X
// [first_error=NAME]"; exit code 0 when there were no errors.
int RunTlsBulk(const SocketAddress& server, const std::string& ca_pem_path, int write_bytes,
               const RunPhases& phases);

// One handshake offering at most `max_version`: whether the server's answer
// got through. Prints "answered version=V" (handshake done), "answered
// error=NAME" (the server answered with an alert, or the handshake failed
// on what it sent) or "cut error=NAME" (no answer: the connection was
// dropped, reset or timed out). Exit code 0 unless the client could not
// even start.
int RunTlsProbe(const SocketAddress& server, const std::string& ca_pem_path, int max_version,
                int timeout_ms);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_TLS_CLIENT_H_
