#include "support/kernel_test.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

namespace nsfence::testing {

bool KernelTestsRequired() {
  const char* v = std::getenv("NSFENCE_REQUIRE_KERNEL_TESTS");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

std::string KernelTestBlocker() {
  if (geteuid() != 0) return "needs root (run as root, or via sudo)";
  if (!std::ifstream("/sys/kernel/btf/vmlinux")) return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
  std::ifstream mounts("/proc/mounts");
  std::string line;
  while (std::getline(mounts, line)) {
    if (line.find(" cgroup2 ") != std::string::npos) return "";
  }
  return "no cgroup v2 mount";
}

}  // namespace nsfence::testing
