// Filler namespaces: one pod each, known only by its addresses (no cgroup:
// it runs on another node), so the agent's maps hold as many identities,
// addresses and rules as a large cluster's without creating network
// namespaces for them. Their addresses lie in 10.96.0.0/12 and fd96::/64,
// apart from the testbed's pod network.
#ifndef NSFENCE_BENCH_FILLERS_H_
#define NSFENCE_BENCH_FILLERS_H_

#include <string>
#include <vector>

#include "common/ip.h"
#include "common/labels.h"

namespace nsfence::bench {

// Namespace label telling measured namespaces from fillers; its filler
// value selects every filler namespace.
inline constexpr char kRoleLabel[] = "nsfence.io/bench-role";
inline constexpr char kFillerRole[] = "filler";

struct Filler {
  std::string namespace_name;
  Labels labels;
  std::string pod_name;
  std::string pod_uid;
  IpAddress ipv4;
  IpAddress ipv6;
};

// Most fillers the address range holds.
inline constexpr int kMaxFillers = (1 << 20) - 2;

// `count` fillers, "filler-1" to "filler-<count>"; count <= kMaxFillers.
std::vector<Filler> MakeFillers(int count);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_FILLERS_H_
