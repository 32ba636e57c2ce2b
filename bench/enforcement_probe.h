// Whether the datapath enforces, judged by flows the policies deny and
// nobody serves: refused (ECONNREFUSED) without an agent, blocked (EPERM)
// with one. Guards against measuring an agent that enforces nothing, or a
// baseline that some agent still enforces.
#ifndef NSFENCE_BENCH_ENFORCEMENT_PROBE_H_
#define NSFENCE_BENCH_ENFORCEMENT_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "load_runner.h"
#include "support/testbed/pod.h"

namespace nsfence::bench {

absl::Status CheckEnforcement(const testbed::Pod& client, const testbed::Pod& server,
                              const std::string& netprobe, bool expect_enforced);

// Whether the TLS floor is in force, judged by a handshake from the client
// pod offering at most TLS 1.1 to the load's TLS server (which accepts it):
// answered without a floor, cut (dropped in the kernel, the connection
// ended) with one. Guards against measuring TLS under an agent that
// enforces no floor, or the baseline under one that still does. Returns the
// probe's line ("cut error=ECONNABORTED").
absl::StatusOr<std::string> CheckTlsFloor(const LoadRunner& load, bool expect_floor);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_ENFORCEMENT_PROBE_H_
