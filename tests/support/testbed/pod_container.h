// Containers placed as kubelet places them: their cgroup is a child of a
// testbed pod's cgroup, so the agent takes them for the pod's.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_POD_CONTAINER_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_POD_CONTAINER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "support/testbed/oci_config.h"
#include "support/testbed/pod.h"
#include "support/testbed/testbed.h"

namespace nsfence::testbed {

// A spec named `name` whose cgroup is <pod cgroup>/<name>; set its args,
// capabilities... as needed. `name` must not be the pod's own container
// cgroup ("main" by default).
ContainerSpec PodContainerSpec(const Testbed& testbed, const Pod& pod, absl::string_view name);

// Absolute path of the cgroup of `spec` (in the cgroup v2 hierarchy).
std::string ContainerCgroup(const Testbed& testbed, const ContainerSpec& spec);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_POD_CONTAINER_H_
