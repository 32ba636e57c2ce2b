// Connection setup rate: threads that each connect, wait for the server to
// close (so every connection completes its accept), and abort the socket so
// that no TIME_WAIT state piles up and ports never run out.
#ifndef NSFENCE_BENCH_LOAD_CONNECT_LOOP_H_
#define NSFENCE_BENCH_LOAD_CONNECT_LOOP_H_

#include "support/socket_address.h"
#include "load/timing.h"

namespace nsfence::bench {

using ::nsfence::testing::SocketAddress;

// Prints "connections=N seconds=S warmup_connections=W errors=E
// [first_error=NAME]"; exit code 0 when there were no errors. The warm-up
// count lets the caller relate per-connection kernel counters, which also
// tick during the warm-up, to connections.
int RunConnectLoop(const SocketAddress& server, int threads, const RunPhases& phases);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_CONNECT_LOOP_H_
