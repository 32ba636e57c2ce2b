#include "support/testbed/loop_device.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>

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

constexpr size_t kSize = 64 * 1024;
constexpr char kScratchPrefix[] = "nsfence-loop-";
constexpr absl::Duration kLosetupTimeout = absl::Seconds(10);

void RemoveScratch(const std::string& dir) {
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

// The pid in "<tmp>/nsfence-loop-<pid>-XXXXXX/disk.img".
std::optional<pid_t> OwnerOfBackingFile(absl::string_view back_file) {
  const std::string scratch = fs::path(std::string(back_file)).parent_path().string();
  if (fs::path(scratch).parent_path() != fs::temp_directory_path()) return std::nullopt;
  return ScratchOwner(fs::path(scratch).filename().string(), kScratchPrefix);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoopDevice>> LoopDevice::Create() {
  std::string dir_template =
      absl::StrCat(fs::temp_directory_path().string(), "/", kScratchPrefix, getpid(), "-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", dir_template));
  }
  const std::string dir = dir_template;
  const std::string backing = absl::StrCat(dir, "/disk.img");
  {
    std::ofstream out(backing, std::ios::binary | std::ios::trunc);
    out << kContents << std::string(kSize - sizeof(kContents) + 1, '\0');
    out.close();
    if (!out.good()) {
      RemoveScratch(dir);
      return absl::InternalError(absl::StrCat("cannot write ", backing));
    }
  }
  absl::StatusOr<CommandResult> attached =
      RunCommand({"losetup", "-f", "--show", backing}, {.timeout = kLosetupTimeout});
  if (!attached.ok() || !attached->exit.success()) {
    RemoveScratch(dir);
    return absl::FailedPreconditionError(
        absl::StrCat("no loop device: losetup -f --show failed: ",
                     attached.ok() ? absl::StripAsciiWhitespace(attached->stderr_text)
                                   : attached.status().ToString()));
  }
  const std::string path(absl::StripAsciiWhitespace(attached->stdout_text));
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISBLK(info.st_mode)) {
    const int err = errno;
    (void)RunCommand({"losetup", "-d", path}, {.timeout = kLosetupTimeout});
    RemoveScratch(dir);
    return absl::InternalError(
        absl::StrCat("losetup printed ", path, ", not a block device (", strerror(err), ")"));
  }
  return std::unique_ptr<LoopDevice>(new LoopDevice(
      dir, path, static_cast<int>(major(info.st_rdev)), static_cast<int>(minor(info.st_rdev))));
}

LoopDevice::~LoopDevice() {
  if (absl::Status detached =
          RunSuccessfully({"losetup", "-d", path_}, {.timeout = kLosetupTimeout});
      !detached.ok()) {
    log::Warn("loop device left attached: ", detached.ToString());
  }
  RemoveScratch(scratch_dir_);
}

std::string LoopDevice::MajorMinor() const { return absl::StrCat(major_, ":", minor_); }

void LoopDevice::SweepLeftovers() {
  absl::StatusOr<CommandResult> listed =
      RunCommand({"losetup", "--list", "--noheadings", "--raw", "--output", "NAME,BACK-FILE"},
                 {.timeout = kLosetupTimeout});
  if (!listed.ok() || !listed->exit.success()) return;
  for (absl::string_view line : absl::StrSplit(listed->stdout_text, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (fields.size() != 2) continue;
    const std::optional<pid_t> owner = OwnerOfBackingFile(fields[1]);
    if (!owner.has_value() || *owner == getpid() || !(kill(*owner, 0) != 0 && errno == ESRCH)) {
      continue;
    }
    log::Info("detaching test leftover ", fields[0], " (", fields[1], ")");
    (void)RunCommand({"losetup", "-d", fields[0]}, {.timeout = kLosetupTimeout});
    RemoveScratch(fs::path(fields[1]).parent_path().string());
  }
}

}  // namespace nsfence::testbed
