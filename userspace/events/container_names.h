// How privileged-exec and device events name the kernel's bits and codes in JSON.
#ifndef NSFENCE_EVENTS_CONTAINER_NAMES_H_
#define NSFENCE_EVENTS_CONTAINER_NAMES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace nsfence::events {

// enum nsfence_host_ns bits -> "pid", "net", "ipc", "mnt" (in that order);
// unknown bits -> "unknown_0x%02x".
std::vector<std::string> HostNamespaceNames(uint8_t bits);

// enum nsfence_exec_backend -> "lsm" | "tracepoint"; anything else -> "unknown_<n>".
std::string ExecBackendName(uint8_t backend);

// enum nsfence_device_type and numbers -> "block 7:3" | "char 1:3"; an
// unknown type -> "unknown_<n> 7:3".
std::string DeviceName(uint8_t type, uint32_t major, uint32_t minor);

// enum nsfence_device_access bits -> "read", "write", "mknod" joined by ","
// (the cgroup device controller's rwm order); unknown bits -> "unknown_0x%02x".
std::string DeviceAccessName(uint8_t access);

// A container cgroup's directory name without its runtime's decoration:
// "cri-containerd-<id>.scope", "docker-<id>.scope", "crio-<id>.scope" ->
// "<id>"; any other name unchanged (cgroupfs drivers name it by the id).
std::string ContainerName(absl::string_view cgroup_dir_name);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_CONTAINER_NAMES_H_
