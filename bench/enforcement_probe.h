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

// Whether the exec guard stops privileged containers in the client pod,
// judged by one exec of a process placed there like the exec loop's but with
// every capability in its bounding set: it runs without the guard, and with
// it is killed (tracepoint backend) or refused (BPF LSM). Guards against
// measuring exec under an agent that judges nothing, or the baseline under
// one that still does. Returns the probe's line ("killed signal=SIGKILL").
absl::StatusOr<std::string> CheckExecGuard(const LoadRunner& load, bool expect_guard);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_ENFORCEMENT_PROBE_H_
