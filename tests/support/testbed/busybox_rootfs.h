// A minimal container root filesystem: busybox-static's /bin/busybox with a
// symlink per applet in /bin, and empty /proc /dev /sys /tmp for the
// runtime's mounts. Built once per process in a scratch directory (removed
// at exit) and shared, read-only, by every container.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_BUSYBOX_ROOTFS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_BUSYBOX_ROOTFS_H_

#include <string>

#include "absl/status/statusor.h"

namespace nsfence::testbed {

// Where busybox-static installs its static binary.
inline constexpr char kBusyboxPath[] = "/bin/busybox";

// The rootfs directory; built at the first call. An error (the same one on
// every call) when busybox is missing or not static.
absl::StatusOr<std::string> SharedBusyboxRootfs();

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_BUSYBOX_ROOTFS_H_
