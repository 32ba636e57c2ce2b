#include "support/testbed/busybox_rootfs.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "support/testbed/command.h"
#include "support/testbed/container_sweep.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

// The scratch directory, removed when the process exits normally (a
// crashed process's is swept by ContainerRuntime::Create).
struct ScratchDir {
  ~ScratchDir() {
    if (path.empty()) return;
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string path;
};
ScratchDir scratch;

absl::Status CheckStatic(const std::string& binary) {
  // A dynamic busybox would need the host's libraries in the rootfs.
  absl::StatusOr<CommandResult> ldd = RunCommand({"ldd", binary}, {.timeout = absl::Seconds(10)});
  if (ldd.ok() && ldd->exit.success() && !absl::StrContains(ldd->stdout_text, "not a dynamic")) {
    return absl::FailedPreconditionError(
        absl::StrCat(binary, " is not statically linked (install busybox-static)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Build() {
  if (access(kBusyboxPath, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(kBusyboxPath, " is missing (apt-get install busybox-static)"));
  }
  NSF_RETURN_IF_ERROR(CheckStatic(kBusyboxPath));
  std::string dir_template = absl::StrCat(fs::temp_directory_path().string(), "/",
                                          kRootfsScratchPrefix, getpid(), "-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", dir_template));
  }
  scratch.path = dir_template;

  const fs::path root = fs::path(scratch.path) / "rootfs";
  std::error_code error;
  for (const char* dir : {"bin", "proc", "dev", "sys", "tmp", "etc", "root"}) {
    fs::create_directories(root / dir, error);
    if (error)
      return absl::InternalError(
          absl::StrCat("mkdir ", (root / dir).string(), ": ", error.message()));
  }
  fs::copy_file(kBusyboxPath, root / "bin/busybox", error);
  if (error) return absl::InternalError(absl::StrCat("copy busybox: ", error.message()));

  NSF_ASSIGN_OR_RETURN(CommandResult list,
                       RunCommand({kBusyboxPath, "--list"}, {.timeout = absl::Seconds(10)}));
  if (!list.exit.success()) {
    return absl::InternalError(absl::StrCat("busybox --list: ", list.stderr_text));
  }
  int applets = 0;
  for (absl::string_view applet : absl::StrSplit(list.stdout_text, '\n', absl::SkipEmpty())) {
    applet = absl::StripAsciiWhitespace(applet);
    if (applet.empty() || applet == "busybox" || absl::StrContains(applet, '/')) continue;
    fs::create_symlink("busybox", root / "bin" / std::string(applet), error);
    if (error) return absl::InternalError(absl::StrCat("symlink ", applet, ": ", error.message()));
    ++applets;
  }
  if (applets == 0) return absl::InternalError("busybox --list printed no applets");
  return root.string();
}

}  // namespace

absl::StatusOr<std::string> SharedBusyboxRootfs() {
  static const absl::StatusOr<std::string> built = Build();
  return built;
}

}  // namespace nsfence::testbed
