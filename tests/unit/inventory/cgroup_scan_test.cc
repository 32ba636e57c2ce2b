#include "inventory/cgroup_scan.h"

#include <sys/stat.h>

#include <string>

#include "common/cgroup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/inventory/cgroup_tree.h"

namespace nsfence::inventory {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CgroupScanTest, FindsThePodsAndContainersOfTheSystemdDriver) {
  CgroupTree tree;
  const std::string guaranteed = std::string("kubepods.slice/kubepods-pod") + kSystemdUid + ".slice";
  const std::string burstable =
      std::string("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod") + kSystemdUid2 +
      ".slice";
  const std::string besteffort =
      "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podb2c3d4e5_f6a7_4b8c_9d0e_"
      "1f2a3b4c5d6e.slice";
  ASSERT_TRUE(tree.Make(guaranteed + "/cri-containerd-" + kId + ".scope"));
  ASSERT_TRUE(tree.Make(guaranteed + "/cri-containerd-" + kId2 + ".scope"));
  ASSERT_TRUE(tree.Make(burstable + "/crio-" + kId + ".scope"));
  ASSERT_TRUE(tree.Make(burstable + "/crio-conmon-" + kId + ".scope"));  // not a container
  ASSERT_TRUE(tree.Make(besteffort));
  // What else lives there: passed over.
  ASSERT_TRUE(tree.Make("kubepods.slice/kubepods-burstable.slice/not-a-pod.slice/" + std::string("kubepods-burstable-pod") +
                        kSystemdUid + ".slice"));
  ASSERT_TRUE(tree.Make("system.slice/containerd.service"));
  ASSERT_TRUE(tree.MakeFile(std::string("kubepods.slice/kubepods-pod") + kSystemdUid2 + ".slice"));
  ASSERT_TRUE(tree.MakeFile(guaranteed + "/docker-" + kId + ".scope"));

  const absl::StatusOr<PodCgroups> pods = ScanPodCgroups(tree.mount());
  ASSERT_TRUE(pods.ok()) << pods.status();
  EXPECT_EQ(*pods, (PodCgroups{
                       {kUid,
                        {kUid,
                         guaranteed,
                         CgroupDriver::kSystemd,
                         QosClass::kGuaranteed,
                         {{kId, ContainerRuntime::kContainerd}, {kId2, ContainerRuntime::kContainerd}}}},
                       {kUid2,
                        {kUid2, burstable, CgroupDriver::kSystemd, QosClass::kBurstable,
                         {{kId, ContainerRuntime::kCrio}}}},
                       {kUid3, {kUid3, besteffort, CgroupDriver::kSystemd, QosClass::kBestEffort, {}}},
                   }));
}

TEST(CgroupScanTest, FindsThePodsAndContainersOfTheCgroupfsDriver) {
  CgroupTree tree;
  const std::string guaranteed = std::string("kubepods/pod") + kUid;
  const std::string burstable = std::string("kubepods/burstable/pod") + kUid2;
  const std::string besteffort = std::string("kubepods/besteffort/pod") + kUid3;
  ASSERT_TRUE(tree.Make(guaranteed + "/" + kId));
  ASSERT_TRUE(tree.Make(burstable + "/" + kId));
  ASSERT_TRUE(tree.Make(burstable + "/crio-" + kId2));
  ASSERT_TRUE(tree.Make(burstable + "/crio-conmon-" + kId2));
  ASSERT_TRUE(tree.Make(besteffort + "/" + kId2));
  ASSERT_TRUE(tree.Make("kubepods/burstable/pod1234"));
  ASSERT_TRUE(tree.Make(std::string("kubepods/kubepods-burstable.slice/kubepods-burstable-pod") +
                        kSystemdUid + ".slice"));

  const absl::StatusOr<PodCgroups> pods = ScanPodCgroups(tree.mount());
  ASSERT_TRUE(pods.ok()) << pods.status();
  EXPECT_EQ(*pods, (PodCgroups{
                       {kUid,
                        {kUid, guaranteed, CgroupDriver::kCgroupfs, QosClass::kGuaranteed,
                         {{kId, ContainerRuntime::kUnknown}}}},
                       {kUid2,
                        {kUid2, burstable, CgroupDriver::kCgroupfs, QosClass::kBurstable,
                         {{kId, ContainerRuntime::kUnknown}, {kId2, ContainerRuntime::kCrio}}}},
                       {kUid3,
                        {kUid3, besteffort, CgroupDriver::kCgroupfs, QosClass::kBestEffort,
                         {{kId2, ContainerRuntime::kUnknown}}}},
                   }));
}

TEST(CgroupScanTest, AnEmptyRootHasNoPods) {
  CgroupTree tree;
  ASSERT_TRUE(tree.Make("kubepods/burstable"));
  const absl::StatusOr<PodCgroups> pods = ScanPodCgroups(tree.mount());
  ASSERT_TRUE(pods.ok()) << pods.status();
  EXPECT_THAT(*pods, IsEmpty());
}

TEST(CgroupScanTest, FindsTheRootOfEitherDriverSystemdFirst) {
  CgroupTree tree;
  const absl::StatusOr<std::string> none = FindKubepodsRoot(tree.mount());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("no kubepods.slice or kubepods cgroup under"));
  EXPECT_EQ(ScanPodCgroups(tree.mount()).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(tree.MakeFile("kubepods.slice"));  // not a directory
  ASSERT_TRUE(tree.Make("kubepods"));
  EXPECT_EQ(FindKubepodsRoot(tree.mount()).value_or(""), "kubepods");
  ASSERT_TRUE(tree.Make("kubepods.slice.d"));
  EXPECT_EQ(FindKubepodsRoot(tree.mount()).value_or(""), "kubepods");

  CgroupTree both;
  ASSERT_TRUE(both.Make("kubepods"));
  ASSERT_TRUE(both.Make("kubepods.slice"));
  EXPECT_EQ(FindKubepodsRoot(both.mount()).value_or(""), "kubepods.slice");
}

TEST(CgroupScanTest, RefusesARootThatIsNotKubepods) {
  CgroupTree tree;
  ASSERT_TRUE(tree.Make("system.slice"));
  ASSERT_TRUE(tree.Make("kubepods/burstable"));
  for (const char* root : {"system.slice", "kubepods/burstable", "", "/"}) {
    const absl::StatusOr<PodCgroups> pods = ScanPodCgroups(tree.mount(), root);
    EXPECT_EQ(pods.status().code(), absl::StatusCode::kInvalidArgument) << root;
    EXPECT_THAT(pods.status().message(), HasSubstr("is not a kubepods root")) << root;
  }
  const absl::StatusOr<PodCgroups> missing = ScanPodCgroups(tree.mount(), "kubepods.slice");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(tree.mount() + "/kubepods.slice"));
}

TEST(CgroupScanTest, APodsContainersJoinItInWhicheverOrderTheyAreAdded) {
  const std::string pod_path = std::string("kubepods/pod") + kUid;
  const KubeletCgroup pod{CgroupDriver::kCgroupfs, QosClass::kGuaranteed, kUid, pod_path, "",
                          ContainerRuntime::kNone};
  KubeletCgroup container = pod;
  container.container_id = kId;
  container.runtime = ContainerRuntime::kUnknown;
  KubeletCgroup elsewhere = container;  // the same uid at another path: passed over
  elsewhere.pod_cgroup = std::string("kubepods/burstable/pod") + kUid;
  elsewhere.container_id = kId2;

  PodCgroups container_first;
  AddToPods(container, &container_first);
  AddToPods(pod, &container_first);
  AddToPods(elsewhere, &container_first);
  PodCgroups pod_first;
  AddToPods(pod, &pod_first);
  AddToPods(container, &pod_first);
  const PodCgroups want = {{kUid,
                            {kUid, pod_path, CgroupDriver::kCgroupfs, QosClass::kGuaranteed,
                             {{kId, ContainerRuntime::kUnknown}}}}};
  EXPECT_EQ(container_first, want);
  EXPECT_EQ(pod_first, want);
}

// A cgroup v2 id is the directory's inode number: the root cgroup's is 1.
TEST(CgroupScanTest, ACgroupsIdIsItsInodeNumber) {
  const absl::StatusOr<std::string> mount = cgroup::FindV2Mount();
  if (!mount.ok()) GTEST_SKIP() << mount.status();
  struct stat st {};
  ASSERT_EQ(stat(mount->c_str(), &st), 0);
  const absl::StatusOr<uint64_t> id = CgroupId(*mount, "");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, st.st_ino);
  EXPECT_EQ(*id, 1U);
  EXPECT_EQ(CgroupId(*mount, *mount).value_or(0), st.st_ino) << "an absolute path";
  EXPECT_EQ(CgroupId(*mount, "kubepods.slice/nsfence-no-such-pod").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nsfence::inventory
