// InventoryDirectory names the container of a task's cgroup by walking the
// pod's cgroup directory for the task cgroup's inode number. A plain temp
// directory stands in for the cgroup mount: only inodes are looked at.
#include "agent/directory.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inventory/model.h"

namespace nsfence::agent {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

uint64_t Inode(const fs::path& dir) {
  struct stat st {};
  EXPECT_EQ(stat(dir.c_str(), &st), 0) << dir;
  return st.st_ino;
}

class ContainerOfCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nsfence-cgroups-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    mount_ = pattern;
    // A systemd-driver pod, named relative to the mount, and a cgroupfs-driver
    // one, named by its absolute path.
    pod_ = Make("kubepods.slice/kubepods-pod1.slice");
    other_pod_ = Make("kubepods/besteffort/pod2");
    std::ofstream(pod_ / "cgroup.procs") << "";  // controllers' files are not cgroups
    inventory_.pods = {
        {.name = "runner", .namespace_name = "job-a", .cgroup = "kubepods.slice/kubepods-pod1.slice"},
        {.name = "worker", .namespace_name = "job-b", .cgroup = other_pod_.string()},
    };
    cgroup_ids_ = {{"kubepods.slice/kubepods-pod1.slice", Inode(pod_)}, {other_pod_.string(), Inode(other_pod_)}};
  }
  void TearDown() override { fs::remove_all(mount_); }

  fs::path Make(const fs::path& relative) {
    fs::create_directories(mount_ / relative);
    return mount_ / relative;
  }
  InventoryDirectory Directory() const {
    return InventoryDirectory(inventory_, cgroup_ids_, mount_.string(), {}, /*registry=*/nullptr);
  }
  // The container of a task in `task_dir`, a cgroup below `pod`.
  std::string ContainerOf(const InventoryDirectory& directory, const fs::path& pod, const fs::path& task_dir) {
    return directory.ContainerOfCgroup(Inode(pod), Inode(task_dir));
  }

  fs::path mount_;
  fs::path pod_;
  fs::path other_pod_;
  inventory::Inventory inventory_;
  absl::flat_hash_map<std::string, uint64_t> cgroup_ids_;
};

TEST_F(ContainerOfCgroupTest, RuntimeScopesAreNamedByTheirContainerId) {
  const fs::path containerd = Make("kubepods.slice/kubepods-pod1.slice/cri-containerd-4f1c.scope");
  const fs::path docker = Make("kubepods.slice/kubepods-pod1.slice/docker-9a2b.scope");
  const fs::path crio = Make("kubepods.slice/kubepods-pod1.slice/crio-77ee.scope");
  const InventoryDirectory directory = Directory();
  EXPECT_EQ(ContainerOf(directory, pod_, containerd), "4f1c");
  EXPECT_EQ(ContainerOf(directory, pod_, docker), "9a2b");
  EXPECT_EQ(ContainerOf(directory, pod_, crio), "77ee");
}

TEST_F(ContainerOfCgroupTest, PlainNamesBelowAnAbsolutePodPathAreKept) {
  const fs::path plain = Make("kubepods/besteffort/pod2/0123abcd");
  EXPECT_EQ(ContainerOf(Directory(), other_pod_, plain), "0123abcd");
}

TEST_F(ContainerOfCgroupTest, ANestedCgroupIsNamedByItsContainer) {
  const fs::path nested = Make("kubepods.slice/kubepods-pod1.slice/cri-containerd-4f1c.scope/init");
  EXPECT_EQ(ContainerOf(Directory(), pod_, nested), "4f1c");
}

TEST_F(ContainerOfCgroupTest, TheWalkIsBounded) {
  const std::string pod = "kubepods.slice/kubepods-pod1.slice";
  const fs::path deepest_found = Make(pod + "/c/1/2/3");
  const fs::path too_deep = Make(pod + "/c/1/2/3/4");
  static_assert(InventoryDirectory::kContainerDepth == 4);
  const InventoryDirectory directory = Directory();
  EXPECT_EQ(ContainerOf(directory, pod_, deepest_found), "c");
  EXPECT_EQ(ContainerOf(directory, pod_, too_deep), "");
}

TEST_F(ContainerOfCgroupTest, NoContainerForThePodItselfUnknownPodsOrOtherPodsCgroups) {
  const fs::path other_container = Make("kubepods/besteffort/pod2/0123abcd");
  const InventoryDirectory directory = Directory();
  EXPECT_EQ(ContainerOf(directory, pod_, pod_), "") << "a process in the pod cgroup itself";
  EXPECT_EQ(ContainerOf(directory, other_pod_, other_container), "0123abcd") << "cached for its own pod";
  EXPECT_EQ(ContainerOf(directory, pod_, other_container), "") << "not below this pod";
  EXPECT_EQ(directory.ContainerOfCgroup(/*pod_cgroup_id=*/12345, Inode(other_container)), "") << "unknown pod";
}

TEST_F(ContainerOfCgroupTest, FoundNamesAreCachedMissesAreNot) {
  const InventoryDirectory directory = Directory();
  // Renaming keeps the inode: the same cgroup, first outside the pod, then in it.
  const fs::path outside = Make("elsewhere");
  const uint64_t pod_id = Inode(pod_);
  const uint64_t container_id = Inode(outside);
  EXPECT_EQ(directory.ContainerOfCgroup(pod_id, container_id), "");
  const fs::path container = pod_ / "cri-containerd-4f1c.scope";
  fs::rename(outside, container);
  EXPECT_EQ(directory.ContainerOfCgroup(pod_id, container_id), "4f1c") << "a miss is looked up again";
  fs::remove(container);
  EXPECT_EQ(directory.ContainerOfCgroup(pod_id, container_id), "4f1c")
      << "found names are cached: a process's last event may come after its container's cgroup is gone";
}

TEST_F(ContainerOfCgroupTest, PodsAreStillFoundByCgroupId) {
  const std::optional<events::PodRef> pod = Directory().PodByCgroup(Inode(pod_));
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->namespace_name, "job-a");
  EXPECT_EQ(pod->name, "runner");
}

TEST(LabelsNamedByTest, NamesTheNamespaceLabelsThePolicySelectsBy) {
  inventory::Inventory inventory;
  inventory.namespaces = {
      {.name = "job-a",
       .labels = {{"kubernetes.io/metadata.name", "job-a"}, {"nsfence.io/tier", "job"}, {"team", "a"}, {"x", "1"}}},
  };
  InventoryDirectory directory(inventory, {}, "/sys/fs/cgroup", {}, /*registry=*/nullptr);
  policy::Policy jobs{.name = "jobs"};
  jobs.namespace_selector.match_labels = {{"nsfence.io/tier", "job"}};
  jobs.namespace_selector.match_expressions = {{.key = "team", .op = LabelRequirement::Operator::kExists},
                                               {.key = "absent", .op = LabelRequirement::Operator::kDoesNotExist}};
  policy::Policy everyone{.name = "everyone"};  // {}: selects by no label
  directory.SetPolicies({jobs, everyone});
  EXPECT_THAT(directory.LabelsNamedBy("job-a", "jobs"), ElementsAre("nsfence.io/tier=job", "team=a"));
  EXPECT_THAT(directory.LabelsNamedBy("job-a", "everyone"), IsEmpty());
  EXPECT_THAT(directory.LabelsNamedBy("job-a", "unknown"), IsEmpty());
  EXPECT_THAT(directory.LabelsNamedBy("job-b", "jobs"), IsEmpty());
}

}  // namespace
}  // namespace nsfence::agent
