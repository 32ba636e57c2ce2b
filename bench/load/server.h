// The server side of the load: on one port a TCP echo server and a UDP echo
// server, on the next port a TCP server that closes every connection as soon
// as it has accepted it (for connection-rate loops). One thread, epoll.
#ifndef NSFENCE_BENCH_LOAD_SERVER_H_
#define NSFENCE_BENCH_LOAD_SERVER_H_

#include <cstdint>

namespace nsfence::bench {

// Prints "listening" once all sockets are bound, then serves until killed.
// Returns only on a setup error (after printing it), with the exit code.
int RunServer(uint16_t echo_port);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_SERVER_H_
