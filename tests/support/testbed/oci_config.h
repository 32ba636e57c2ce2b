// OCI runtime spec documents for runc: a container's config.json and the
// process.json of `runc exec --process`. Modelled on what `runc spec`
// generates (no terminal, read-only rootfs, new pid/net/ipc/uts/mount
// namespaces, every device denied but the runtime's defaults).
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_OCI_CONFIG_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_OCI_CONFIG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "support/testbed/capability_sets.h"

namespace nsfence::testbed {

// A device node the container gets (linux.devices), with the cgroup rule
// that lets it read and write it (linux.resources.devices).
struct DeviceNode {
  std::string path;  // inside the container, e.g. "/dev/loop3"
  char type = 'b';   // 'b' (block) or 'c' (char)
  int major = 0;
  int minor = 0;
};

// A process: the container's own, or one `runc exec` starts in it. Runs as
// root; `capabilities` is its bounding, effective, permitted and
// inheritable set.
struct ProcessSpec {
  std::vector<std::string> args;
  std::vector<std::string> capabilities = RuncDefaultCapabilities();
};

struct ContainerSpec {
  // Tells the containers of a test apart: part of the runc id. Letters,
  // digits and '-'.
  std::string name;
  std::vector<std::string> args;
  std::vector<std::string> capabilities = RuncDefaultCapabilities();
  // linux.cgroupsPath: relative to the cgroup v2 mount, starting with '/'
  // (e.g. "/nsfence-test-123-1/job-a/runner/ctr-foo"); runc creates the
  // last directory. Empty: runc chooses.
  std::string cgroups_path;
  // Share the node's pid namespace (no pid namespace of its own).
  bool host_pid = false;
  std::vector<DeviceNode> devices;
};

// A JSON string literal of `text`, quotes included.
std::string JsonString(absl::string_view text);

// config.json for `spec` with root.path `rootfs` (absolute).
std::string OciConfigJson(const ContainerSpec& spec, absl::string_view rootfs);
// The process object alone, for `runc exec --process`.
std::string OciProcessJson(const ProcessSpec& process);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_OCI_CONFIG_H_
