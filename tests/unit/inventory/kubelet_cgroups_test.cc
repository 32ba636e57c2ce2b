#include "inventory/kubelet_cgroups.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/inventory/cgroup_tree.h"

namespace nsfence::inventory {
namespace {

// Every pod directory the kubelet makes: driver x QoS class.
struct PodCase {
  CgroupDriver driver;
  QosClass qos;
  std::string path;
};

std::vector<PodCase> PodCases() {
  return {
      {CgroupDriver::kSystemd, QosClass::kGuaranteed,
       std::string("kubepods.slice/kubepods-pod") + kSystemdUid + ".slice"},
      {CgroupDriver::kSystemd, QosClass::kBurstable,
       std::string("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod") + kSystemdUid +
           ".slice"},
      {CgroupDriver::kSystemd, QosClass::kBestEffort,
       std::string("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod") +
           kSystemdUid + ".slice"},
      {CgroupDriver::kCgroupfs, QosClass::kGuaranteed, std::string("kubepods/pod") + kUid},
      {CgroupDriver::kCgroupfs, QosClass::kBurstable, std::string("kubepods/burstable/pod") + kUid},
      {CgroupDriver::kCgroupfs, QosClass::kBestEffort,
       std::string("kubepods/besteffort/pod") + kUid},
  };
}

// Every container directory name below a pod: driver x runtime.
struct ContainerCase {
  CgroupDriver driver;
  ContainerRuntime runtime;
  std::string name;
};

std::vector<ContainerCase> ContainerCases() {
  return {
      {CgroupDriver::kSystemd, ContainerRuntime::kContainerd,
       std::string("cri-containerd-") + kId + ".scope"},
      {CgroupDriver::kSystemd, ContainerRuntime::kCrio, std::string("crio-") + kId + ".scope"},
      {CgroupDriver::kSystemd, ContainerRuntime::kDocker, std::string("docker-") + kId + ".scope"},
      {CgroupDriver::kCgroupfs, ContainerRuntime::kUnknown, kId},
      {CgroupDriver::kCgroupfs, ContainerRuntime::kCrio, std::string("crio-") + kId},
  };
}

TEST(KubeletCgroupsTest, ParsesEveryPodDirectory) {
  for (const PodCase& pod : PodCases()) {
    SCOPED_TRACE(pod.path);
    const std::optional<KubeletCgroup> parsed = ParseKubeletCgroup(pod.path);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, (KubeletCgroup{pod.driver, pod.qos, kUid, pod.path, "",
                                      ContainerRuntime::kNone}));
    EXPECT_FALSE(parsed->is_container());
    EXPECT_EQ(parsed->path(), pod.path);
  }
}

TEST(KubeletCgroupsTest, ParsesEveryContainerDirectoryOfEveryPod) {
  int parsed_containers = 0;
  for (const PodCase& pod : PodCases()) {
    for (const ContainerCase& container : ContainerCases()) {
      if (container.driver != pod.driver) continue;
      const std::string path = pod.path + "/" + container.name;
      SCOPED_TRACE(path);
      const std::optional<KubeletCgroup> parsed = ParseKubeletCgroup(path);
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(*parsed,
                (KubeletCgroup{pod.driver, pod.qos, kUid, pod.path, kId, container.runtime}));
      EXPECT_TRUE(parsed->is_container());
      EXPECT_EQ(parsed->path(), path);
      ++parsed_containers;
    }
  }
  EXPECT_EQ(parsed_containers, 3 * 3 + 3 * 2);
}

TEST(KubeletCgroupsTest, AcceptsTheKernelsLeadingSlashAndATrailingOne) {
  // As /proc/<pid>/cgroup shows it: "0::/kubepods/burstable/pod<uid>/<id>".
  const std::string path = std::string("/kubepods/burstable/pod") + kUid + "/" + kId + "/";
  const std::optional<KubeletCgroup> parsed = ParseKubeletCgroup(path);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->pod_cgroup, std::string("kubepods/burstable/pod") + kUid);
  EXPECT_EQ(parsed->container_id, kId);
}

TEST(KubeletCgroupsTest, KeepsTheUidsCase) {
  const std::string upper = "0F7C4A4E-5B1A-4F0E-9C8A-3D2B1E6F7A90";
  const std::optional<KubeletCgroup> parsed = ParseKubeletCgroup("kubepods/pod" + upper);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->pod_uid, upper);
}

TEST(KubeletCgroupsTest, RefusesEveryOtherShape) {
  const std::string systemd_pod =
      std::string("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod") + kSystemdUid +
      ".slice";
  const std::string cgroupfs_pod = std::string("kubepods/burstable/pod") + kUid;
  const std::vector<std::string> refused = {
      // Not below kubepods.
      "",
      "/",
      "system.slice/containerd.service",
      "user.slice/user-1000.slice/session-1.scope",
      std::string("kubelet.slice/kubepods-pod") + kSystemdUid + ".slice",
      std::string("machine.slice/pod") + kUid,
      // The kubelet's own directories, which hold pods but are none.
      "kubepods.slice",
      "kubepods.slice/kubepods-burstable.slice",
      "kubepods.slice/kubepods-besteffort.slice",
      "kubepods",
      "kubepods/burstable",
      "kubepods/besteffort",
      // Malformed uids.
      "kubepods/pod1234",
      "kubepods/pod",
      std::string("kubepods/pod") + kSystemdUid,  // '_' is the systemd driver's
      std::string("kubepods.slice/kubepods-pod") + kUid + ".slice",  // '-' would be hierarchy
      "kubepods/pod0f7c4a4e-5b1a-4f0e-9c8a-3d2b1e6f7a9g",            // not hex
      "kubepods/pod0f7c4a4e-5b1a-4f0e-9c8a-3d2b1e6f7a9",             // too short
      "kubepods/pod0f7c4a4e-5b1a-4f0e-9c8a-3d2b1e6f7a900",           // too long
      "kubepods/pod0f7c4a4e5-b1a-4f0e-9c8a-3d2b1e6f7a90",            // separator misplaced
      // Pod names that do not match their QoS directory, driver or suffix.
      std::string("kubepods.slice/kubepods-burstable-pod") + kSystemdUid + ".slice",
      std::string("kubepods.slice/kubepods-besteffort.slice/kubepods-burstable-pod") +
          kSystemdUid + ".slice",
      std::string("kubepods.slice/kubepods-burstable.slice/kubepods-pod") + kSystemdUid + ".slice",
      std::string("kubepods.slice/kubepods-pod") + kSystemdUid,
      std::string("kubepods.slice/kubepods-pod") + kSystemdUid + ".scope",
      std::string("kubepods/pod") + kUid + ".slice",
      std::string("kubepods/guaranteed/pod") + kUid,
      std::string("kubepods/burstable/kubepods-burstable-pod") + kSystemdUid + ".slice",
      std::string("kubepods.slice/burstable/pod") + kUid,
      // CRI-O's monitor is not a container.
      systemd_pod + "/crio-conmon-" + kId + ".scope",
      cgroupfs_pod + "/crio-conmon-" + kId,
      // Container ids that are not 64 lower-case hex digits, and other names.
      systemd_pod + "/cri-containerd-" + std::string(kId).substr(1) + ".scope",
      systemd_pod + "/cri-containerd-" + kId + "0.scope",
      systemd_pod + "/cri-containerd-" +
          "3C5E7A9B1D2F4E6A8C0B2D4F6E8A0C2E4B6D8F0A1C3E5A7B9D1F3E5A7C9B1D3F.scope",
      cgroupfs_pod + "/" + std::string(kId).substr(0, 12),
      systemd_pod + "/cri-containerd-" + kId,  // no .scope
      systemd_pod + "/" + kId + ".scope",
      systemd_pod + "/" + kId,
      systemd_pod + "/podman-" + kId + ".scope",
      systemd_pod + "/init.scope",
      cgroupfs_pod + "/cri-containerd-" + kId + ".scope",  // the systemd driver's name
      cgroupfs_pod + "/docker-" + kId,
      // Below a container, and paths that are not plain.
      systemd_pod + "/cri-containerd-" + kId + ".scope/init.scope",
      cgroupfs_pod + "/" + kId + "/" + kId,
      std::string("kubepods//pod") + kUid,
      std::string("kubepods/./pod") + kUid,
      std::string("kubepods/burstable/../pod") + kUid,
  };
  for (const std::string& path : refused) {
    EXPECT_EQ(ParseKubeletCgroup(path), std::nullopt) << path;
  }
}

TEST(KubeletCgroupsTest, PodParentsAreTheRootsAndTheirQosDirectories) {
  for (const char* path : {"kubepods.slice", "kubepods.slice/kubepods-burstable.slice",
                           "kubepods.slice/kubepods-besteffort.slice", "kubepods",
                           "kubepods/burstable", "/kubepods/besteffort/"}) {
    EXPECT_TRUE(IsPodParent(path)) << path;
  }
  for (const PodCase& pod : PodCases()) EXPECT_FALSE(IsPodParent(pod.path)) << pod.path;
  for (const char* path :
       {"", "system.slice", "kubepods.slice/burstable", "kubepods/kubepods-burstable.slice",
        "kubepods/guaranteed", "kubepods.slice/kubepods-guaranteed.slice", "kubepods/burstable/x"}) {
    EXPECT_FALSE(IsPodParent(path)) << path;
  }
}

TEST(KubeletCgroupsTest, NamesForLogs) {
  EXPECT_EQ(KubepodsRoot(CgroupDriver::kSystemd), "kubepods.slice");
  EXPECT_EQ(KubepodsRoot(CgroupDriver::kCgroupfs), "kubepods");
  EXPECT_EQ(DriverName(CgroupDriver::kCgroupfs), "cgroupfs");
  EXPECT_EQ(QosName(QosClass::kBestEffort), "besteffort");
  EXPECT_EQ(RuntimeName(ContainerRuntime::kCrio), "cri-o");
  EXPECT_EQ(RuntimeName(ContainerRuntime::kContainerd), "containerd");
}

}  // namespace
}  // namespace nsfence::inventory
