#include "support/testbed/tool_paths.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::testbed {

std::string DefaultBinDir() { return NSFENCE_TESTBED_DEFAULT_BIN_DIR; }

ToolPaths ToolPaths::InDirectory(absl::string_view bin_dir) {
  return {.podexec = absl::StrCat(bin_dir, "/nsfence-podexec"),
          .netprobe = absl::StrCat(bin_dir, "/nsfence-netprobe")};
}

absl::Status ToolPaths::CheckExecutable() const {
  for (const std::string* tool : {&podexec, &netprobe}) {
    if (access(tool->c_str(), X_OK) != 0) {
      return ErrnoStatus(errno,
                         absl::StrCat("testbed tool ", *tool,
                                      " (build targets nsfence-podexec and nsfence-netprobe)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace nsfence::testbed
