// What one measurement of the load found.
#ifndef NSFENCE_BENCH_LOAD_FIGURES_H_
#define NSFENCE_BENCH_LOAD_FIGURES_H_

#include <cstdint>
#include <string>

#include "load/latency_summary.h"
#include "workload.h"

namespace nsfence::bench {

// What a TLS client negotiated, e.g. "TLSv1.3" and "TLS_AES_256_GCM_SHA384".
struct TlsNegotiated {
  std::string version;
  std::string cipher;
  std::string openssl;  // library version, "3.0.19"
};

struct LoadFigures {
  double connections_per_second = 0;
  LatencySummary tcp_rr;
  LatencySummary udp_rr;
  // Operations each client made, its untimed warm-up included: kernel
  // counters read around a client run cover all of them.
  int64_t connections_made = 0;
  int64_t tcp_round_trips_made = 0;
  int64_t udp_round_trips_made = 0;

  // The TLS workloads; zero when they did not run.
  double tls13_handshakes_per_second = 0;
  double tls12_handshakes_per_second = 0;
  double tls_bulk_mb_per_second = 0;  // MB = 10^6 bytes of application data
  int64_t tls13_handshakes_made = 0;
  int64_t tls12_handshakes_made = 0;
  double tls_bulk_mb_made = 0;
  int tls_bulk_write_bytes = 0;
  TlsNegotiated tls13;
  TlsNegotiated tls12;
  TlsNegotiated tls_bulk;

  // The exec loop; zero when it did not run.
  double execs_per_second = 0;
  int64_t execs_made = 0;
};

// Whole for all but the TLS bulk workload, which counts megabytes.
double OperationsMade(const LoadFigures& figures, Workload workload);

// Measured wall time of one operation: 1 s / rate for the connection loop,
// the handshakes and the exec loop, the mean round trip for request/response, 1 s / MB/s
// for bulk. With the load on one CPU this is also what one operation costs
// that CPU.
double NanosecondsPerOperation(const LoadFigures& figures, Workload workload);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_FIGURES_H_
