// A cgroup v2 directory that lives as long as this object: on destruction
// every process in its subtree is killed and the subtree removed.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_CGROUP_DIR_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_CGROUP_DIR_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::testbed {

class CgroupDir {
 public:
  // Creates `path`; its parent must exist and it must not.
  static absl::StatusOr<CgroupDir> Create(std::string path);

  CgroupDir(CgroupDir&& other) noexcept;
  CgroupDir& operator=(CgroupDir&& other) noexcept;
  ~CgroupDir();

  const std::string& path() const { return path_; }

 private:
  explicit CgroupDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;  // empty once moved from
};

// Kills every process in the cgroup subtree at `path` (cgroup.kill), waits
// for them to leave and removes the directories, deepest first. OK when
// `path` does not exist.
absl::Status RemoveCgroupTree(const std::string& path, absl::Duration timeout = absl::Seconds(5));

// The cgroup v2 path of a process, as /proc/<pid>/cgroup has it ("0::/a/b"
// -> "/a/b"); empty when it cannot be read.
std::string CgroupOf(pid_t pid);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_CGROUP_DIR_H_
