#include "common/cgroup.h"

#include <unistd.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::cgroup {
namespace {

TEST(CgroupTest, FindsTheCgroup2MountInAMountsFile) {
  const std::string path = ::testing::TempDir() + "/mounts";
  std::ofstream(path) << "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
                      << "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
                      << "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";
  auto mount = FindV2Mount(path);
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(*mount, "/sys/fs/cgroup/unified");

  std::ofstream(path) << "tmpfs /tmp tmpfs rw 0 0\n";
  EXPECT_THAT(FindV2Mount(path).status().message(), ::testing::HasSubstr("needs cgroup v2"));
}

TEST(CgroupTest, ResolveAndLevel) {
  EXPECT_EQ(Resolve("/sys/fs/cgroup", "kubepods.slice/pod1/"), "/sys/fs/cgroup/kubepods.slice/pod1");
  EXPECT_EQ(Resolve("/sys/fs/cgroup", "/sys/fs/cgroup/a/../b"), "/sys/fs/cgroup/b");
  EXPECT_EQ(*Level("/sys/fs/cgroup", "/sys/fs/cgroup"), 0);
  EXPECT_EQ(*Level("/sys/fs/cgroup/", "/sys/fs/cgroup/kubepods/burstable/pod1"), 3);
  EXPECT_FALSE(Level("/sys/fs/cgroup", "/sys/fs/cgroupx/a").ok());
}

TEST(CgroupTest, IdOfAMissingDirectoryIsAnError) {
  EXPECT_FALSE(Id("/nonexistent/cgroup").ok());
}

}  // namespace
}  // namespace nsfence::cgroup
