// The benchmark's private node: a governed namespace whose pod floods, and a
// peer pod in another namespace that its policy (crossNamespace: deny, no
// rules) denies, plus the agent's inventory and policy files for them.
//
//   flood-a/source  --UDP, any port-->  flood-b/sink     denied at sendmsg()
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_TESTBED_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_TESTBED_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "support/testbed/testbed.h"

namespace nsfence::bench {

inline constexpr char kFloodNamespace[] = "flood-a";
inline constexpr char kFloodPod[] = "source";
inline constexpr char kSinkNamespace[] = "flood-b";
inline constexpr char kSinkPod[] = "sink";
inline constexpr char kFloodPolicy[] = "flood-isolation";

struct FloodTestbed {
  std::unique_ptr<testbed::Testbed> testbed;
  testbed::Pod* source = nullptr;
  testbed::Pod* sink = nullptr;
  std::string inventory_path;
  std::string policy_path;
};

// The files go to `dir`.
absl::StatusOr<FloodTestbed> BuildFloodTestbed(const std::string& bin_dir, const std::string& dir);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_FLOOD_TESTBED_H_
