// A paced flood of UDP datagrams, each a flow of its own: unconnected
// sockets send one datagram to each port of a range in turn, and a fresh
// socket (a new socket cookie, so new flows for the kernel's report fold)
// starts the range again once it is used up. Aimed at a peer the pod's
// policy denies, every sendto is one violation for the agent to report.
#ifndef NSFENCE_BENCH_LOAD_UDP_FLOOD_H_
#define NSFENCE_BENCH_LOAD_UDP_FLOOD_H_

#include <cstdint>

#include "support/socket_address.h"

namespace nsfence::bench {

using ::nsfence::testing::SocketAddress;

struct UdpFloodOptions {
  // The peer; its port is replaced by first_port .. first_port + ports - 1.
  SocketAddress peer;
  uint16_t first_port = 1024;
  int ports = 60000;
  // Datagrams per second, spread evenly (in bursts of at most 1 ms worth);
  // 0: as fast as one thread can.
  double rate = 0;
  double seconds = 1;
};

// Prints "sends=N sent=S denied=D seconds=T start_ns=A end_ns=B sockets=K
// errors=E [first_error=NAME]": sendto calls, those that went out, those
// refused with EPERM (denied by the policy), the time from the first send
// to the last one, both as CLOCK_MONOTONIC nanoseconds, and the sockets
// used. Exit code 0 when no sendto failed otherwise.
int RunUdpFlood(const UdpFloodOptions& options);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_UDP_FLOOD_H_
