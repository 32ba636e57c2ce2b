// Where the testbed's helper programs are.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_TOOL_PATHS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_TOOL_PATHS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// The build's bin directory, where the tools are built.
std::string DefaultBinDir();

struct ToolPaths {
  // nsfence-podexec: runs a command in a cgroup and network namespace.
  std::string podexec;
  // nsfence-netprobe: one-shot TCP/UDP probes and echo servers.
  std::string netprobe;

  static ToolPaths InDirectory(absl::string_view bin_dir);
  // An error naming the first tool that is missing or not executable.
  absl::Status CheckExecutable() const;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_TOOL_PATHS_H_
