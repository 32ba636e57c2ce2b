// A directory tree standing in for the cgroup v2 mount in the inventory's
// cgroup tests, and gtest printers for what they compare.
#ifndef NSFENCE_TESTS_UNIT_INVENTORY_CGROUP_TREE_H_
#define NSFENCE_TESTS_UNIT_INVENTORY_CGROUP_TREE_H_

#include <ostream>
#include <string>

#include "inventory/cgroup_scan.h"
#include "inventory/cgroup_watch.h"
#include "inventory/kubelet_cgroups.h"

namespace nsfence::inventory {

// gtest prints these in failure messages.
void PrintTo(const KubeletCgroup& cgroup, std::ostream* out);
void PrintTo(const PodCgroup& pod, std::ostream* out);
void PrintTo(const CgroupEvent& event, std::ostream* out);

// A pod uid, with '-' (as the API and the cgroupfs driver write it) and with
// '_' (the systemd driver), and a container id.
inline constexpr char kUid[] = "0f7c4a4e-5b1a-4f0e-9c8a-3d2b1e6f7a90";
inline constexpr char kSystemdUid[] = "0f7c4a4e_5b1a_4f0e_9c8a_3d2b1e6f7a90";
inline constexpr char kUid2[] = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
inline constexpr char kSystemdUid2[] = "6a1d2c3b_4e5f_4a6b_8c7d_9e0f1a2b3c4d";
inline constexpr char kUid3[] = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
inline constexpr char kId[] = "3c5e7a9b1d2f4e6a8c0b2d4f6e8a0c2e4b6d8f0a1c3e5a7b9d1f3e5a7c9b1d3f";
inline constexpr char kId2[] = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

// A fresh directory below `base` (default: the test's temporary directory)
// that the tests use as the cgroup v2 mount; removed with everything below it.
// Holds directories only, so rmdir from the leaves up removes it, also when
// `base` is a real cgroup v2 mount (whose directories hold the kernel's files).
class CgroupTree {
 public:
  explicit CgroupTree(const std::string& base = "");
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;
  ~CgroupTree();

  const std::string& mount() const { return mount_; }
  // `path` (relative to the mount) and its missing parents; false on failure.
  bool Make(const std::string& path) const;
  // rmdir of `path` (relative to the mount), which must be empty of directories.
  bool Remove(const std::string& path) const;
  // A regular file, for entries the walk must pass over.
  bool MakeFile(const std::string& path) const;

 private:
  std::string mount_;
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_TESTS_UNIT_INVENTORY_CGROUP_TREE_H_
