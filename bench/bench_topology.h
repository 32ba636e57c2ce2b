// The two namespaces whose traffic is measured, and the ports of the load
// server (see load/server.h and load/tls_server.h).
#ifndef NSFENCE_BENCH_BENCH_TOPOLOGY_H_
#define NSFENCE_BENCH_BENCH_TOPOLOGY_H_

#include <cstdint>

namespace nsfence::bench {

inline constexpr char kClientNamespace[] = "bench-a";
inline constexpr char kServerNamespace[] = "bench-b";
inline constexpr char kClientPod[] = "client";
inline constexpr char kServerPod[] = "server";

// TCP and UDP echo.
inline constexpr uint16_t kEchoPort = 7000;
// TCP accept-and-close, for connection-rate loops.
inline constexpr uint16_t kClosePort = kEchoPort + 1;
// Allowed by no policy: probes to it show whether enforcement is on.
inline constexpr uint16_t kDeniedPort = 7002;
// TLS: a full handshake per connection, then close; and a bulk sink.
inline constexpr uint16_t kTlsHandshakePort = 7443;
inline constexpr uint16_t kTlsBulkPort = kTlsHandshakePort + 1;

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_TOPOLOGY_H_
