// A loop block device backed by a small file in a scratch directory, for
// tests that open a device node: attached with `losetup -f --show`,
// detached (and its file removed) on destruction.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_LOOP_DEVICE_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_LOOP_DEVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace nsfence::testbed {

class LoopDevice {
 public:
  // The first bytes of the device, then zeros up to 64 KiB.
  static constexpr char kContents[] = "nsfence-loop-device\n";

  // An error when no loop device can be attached (no loop driver, no free
  // device, or no permission): callers skip with its message.
  static absl::StatusOr<std::unique_ptr<LoopDevice>> Create();

  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  ~LoopDevice();

  // "/dev/loop3".
  const std::string& path() const { return path_; }
  int device_major() const { return major_; }
  int device_minor() const { return minor_; }
  // "7:3".
  std::string MajorMinor() const;

  // Detaches loop devices whose backing file lies in the scratch directory
  // of a test process that is gone.
  static void SweepLeftovers();

 private:
  LoopDevice(std::string scratch_dir, std::string path, int device_major, int device_minor)
      : scratch_dir_(std::move(scratch_dir)),
        path_(std::move(path)),
        major_(device_major),
        minor_(device_minor) {}

  std::string scratch_dir_;
  std::string path_;
  int major_;
  int minor_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_LOOP_DEVICE_H_
