// The bpffs directory where maps and links are pinned so that enforcement
// outlives the agent process.
#ifndef NSFENCE_LOADER_BPFFS_H_
#define NSFENCE_LOADER_BPFFS_H_

#include <string>

#include "absl/status/status.h"

namespace nsfence::loader {

// Makes `dir` a directory on a bpffs: creates it, and mounts a bpffs on it
// when it is on another filesystem (nodes without /sys/fs/bpf mounted).
absl::Status EnsureBpffsDir(const std::string& dir);

// Creates `dir` and missing parents (mode 0700).
absl::Status MakeDirs(const std::string& dir);

bool IsOnBpffs(const std::string& path);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_BPFFS_H_
