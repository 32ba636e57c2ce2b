// Whether the datapath enforces, judged by flows the policies deny and
// nobody serves: refused (ECONNREFUSED) without an agent, blocked (EPERM)
// with one. Guards against measuring an agent that enforces nothing, or a
// baseline that some agent still enforces.
#ifndef NSFENCE_BENCH_ENFORCEMENT_PROBE_H_
#define NSFENCE_BENCH_ENFORCEMENT_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "support/testbed/pod.h"

namespace nsfence::bench {

absl::Status CheckEnforcement(const testbed::Pod& client, const testbed::Pod& server,
                              const std::string& netprobe, bool expect_enforced);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_ENFORCEMENT_PROBE_H_
