// The node's namespaces, which a container must not share (spec.containers
// hostNamespaces). They are PID 1's: the agent runs with the node's PID
// namespace (hostPID) but in a mount namespace of its own.
#ifndef NSFENCE_LOADER_HOST_NAMESPACES_H_
#define NSFENCE_LOADER_HOST_NAMESPACES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace nsfence::loader {

struct HostNamespaces {
  uint32_t pid = 0;  // inode numbers, as in `ls -Li /proc/1/ns`
  uint32_t net = 0;
  uint32_t ipc = 0;
  uint32_t mnt = 0;
  // Where they were read; names the fallback when PID 1's are not readable.
  std::string source;
};

// The namespaces of a /proc/PID/ns directory.
absl::StatusOr<HostNamespaces> ReadNamespaces(const std::string& ns_dir);

// Reads <proc>/1/ns/{pid,net,ipc,mnt}. Where one of PID 1's cannot be read
// (a sandbox hiding PID 1), falls back to <proc>/self/ns for all four and
// says so in `source`: the agent must then run in the node's namespaces.
absl::StatusOr<HostNamespaces> ReadHostNamespaces(const std::string& proc = "/proc");

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_HOST_NAMESPACES_H_
