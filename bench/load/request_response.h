// Request/response latency: one byte out, wait for its echo, repeat. Over
// one TCP connection (per-packet cost of established traffic) or over an
// unconnected UDP socket (every datagram is judged on its own).
#ifndef NSFENCE_BENCH_LOAD_REQUEST_RESPONSE_H_
#define NSFENCE_BENCH_LOAD_REQUEST_RESPONSE_H_

#include "support/socket_address.h"
#include "load/timing.h"

namespace nsfence::bench {

using ::nsfence::testing::SocketAddress;

// Both print "requests=N p50_us=.. p99_us=.. mean_us=.. warmup_requests=W
// errors=E [first_error=NAME]" (requests and percentiles: the measured part
// only); exit code 0 when there were no errors.
int RunTcpRequestResponse(const SocketAddress& server, const RunPhases& phases);
int RunUdpRequestResponse(const SocketAddress& server, const RunPhases& phases);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_REQUEST_RESPONSE_H_
