#include "support/testbed/pod_container.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nsfence::testbed {

ContainerSpec PodContainerSpec(const Testbed& testbed, const Pod& pod, absl::string_view name) {
  // linux.cgroupsPath is relative to the mount; Pod::cgroup() is absolute.
  absl::string_view relative = pod.cgroup();
  absl::ConsumePrefix(&relative, testbed.cgroup_mount());
  return {.name = std::string(name), .cgroups_path = absl::StrCat(relative, "/", name)};
}

std::string ContainerCgroup(const Testbed& testbed, const ContainerSpec& spec) {
  return absl::StrCat(testbed.cgroup_mount(), spec.cgroups_path);
}

}  // namespace nsfence::testbed
