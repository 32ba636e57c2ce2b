// KubeInventorySource against the fake API server, with a kubelet-shaped
// cgroup tree in a plain directory (the watch reads names; no cgroupfs).
#include "kube/inventory_source.h"

#include <poll.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/kubeconfig.h"
#include "support/kube/api_objects.h"
#include "support/kube/fake_cluster.h"
#include "support/kube/temp_dir.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::FakeCluster;
using ::nsfence::kube::testing::IsolationPolicyJson;
using ::nsfence::kube::testing::NamespaceWithLabels;
using ::nsfence::kube::testing::Parse;
using ::nsfence::kube::testing::PodJson;
using ::nsfence::kube::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kUid[] = "3a7f5c1e-9b2d-4e8f-a6c4-1d2e3f4a5b6c";
constexpr char kToken[] = "unit-token";

class KubeInventorySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.RequireToken(kToken);
    ASSERT_TRUE(cluster_.WriteKubeconfig(dir_.Path("kubeconfig"), kToken).ok());
    std::filesystem::create_directories(dir_.Path("cgroup/kubepods.slice/kubepods-burstable.slice"));
  }

  std::unique_ptr<KubeInventorySource> Start(const std::string& token = kToken) {
    absl::StatusOr<ClusterConfig> config = KubeconfigConfig(dir_.Path("kubeconfig"));
    EXPECT_TRUE(config.ok()) << config.status();
    config->token = token;
    ReflectorOptions reflector;
    reflector.backoff.initial = absl::Milliseconds(10);
    absl::StatusOr<std::unique_ptr<KubeInventorySource>> source =
        KubeInventorySource::Start({.cluster = *config,
                                    .node_name = "node-1",
                                    .cgroup_parent = dir_.Path("cgroup"),
                                    .kubepods_root = "kubepods.slice",
                                    .reflector = reflector});
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }

  std::string PodCgroup(const std::string& uid) const {
    std::string escaped = uid;
    std::replace(escaped.begin(), escaped.end(), '-', '_');
    return dir_.Path(absl::StrCat("cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod", escaped,
                                  ".slice"));
  }

  // Polls the source's descriptors and consumes them until one reports a change.
  static bool WaitForChange(KubeInventorySource& source) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      std::vector<pollfd> fds;
      for (int fd : source.ReadyFds()) fds.push_back({.fd = fd, .events = POLLIN});
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      bool changed = false;
      for (const pollfd& p : fds) {
        if ((p.revents & POLLIN) != 0) changed = source.OnReadable(p.fd) || changed;
      }
      if (changed) return true;
    }
    return false;
  }

  TempDir dir_;
  FakeCluster cluster_{FakeCluster::NsfenceCollections()};
};

TEST_F(KubeInventorySourceTest, BuildsTheNodesInventoryOnceEveryCacheIsListed) {
  cluster_.namespaces().Add(Parse(NamespaceWithLabels("job-a", {{"nsfence.io/tier", "jobs"}})));
  cluster_.pods().Add(Parse(PodJson("job-a", "build", kUid, "node-1", "10.244.1.7")));
  cluster_.policies().Add(Parse(IsolationPolicyJson("jobs")));
  std::filesystem::create_directories(PodCgroup(kUid));
  std::unique_ptr<KubeInventorySource> source = Start();
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->WaitReady(absl::Seconds(5)).ok());
  absl::StatusOr<inventory::Inventory> inventory = source->Load();
  ASSERT_TRUE(inventory.ok()) << inventory.status();
  ASSERT_THAT(inventory->pods, SizeIs(1));
  EXPECT_EQ(inventory->pods[0].cgroup, PodCgroup(kUid));  // absolute
  ASSERT_THAT(source->policies(), SizeIs(1));
  EXPECT_EQ(source->policies()[0].name, "jobs");
  EXPECT_EQ(source->unknown_pods(), 0u);
  for (const KubeInventorySource::CacheState& cache : source->caches()) EXPECT_TRUE(cache.synced) << cache.resource;
}

TEST_F(KubeInventorySourceTest, ChangesWakeTheAgentAndAreTimed) {
  std::unique_ptr<KubeInventorySource> source = Start();
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->WaitReady(absl::Seconds(5)).ok());
  ASSERT_TRUE(source->Load().ok());
  // A cgroup first: an unknown pod, isolated in a namespace of its own.
  std::filesystem::create_directories(PodCgroup(kUid));
  ASSERT_TRUE(WaitForChange(*source));
  absl::StatusOr<inventory::Inventory> inventory = source->Load();
  ASSERT_TRUE(inventory.ok());
  EXPECT_EQ(source->unknown_pods(), 1u);
  ASSERT_THAT(source->policies(), SizeIs(1));
  EXPECT_EQ(source->policies()[0].name, "nsfence:unknown-pods");
  // Then its objects.
  const absl::Time before = absl::Now();
  cluster_.namespaces().Add(Parse(NamespaceWithLabels("job-a", {})));
  cluster_.pods().Add(Parse(PodJson("job-a", "build", kUid, "node-1", "10.244.1.7")));
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (source->unknown_pods() > 0 && absl::Now() < deadline) {
    if (WaitForChange(*source)) ASSERT_TRUE(source->Load().ok());
  }
  EXPECT_EQ(source->unknown_pods(), 0u);
  EXPECT_THAT(source->policies(), SizeIs(0));
  ASSERT_TRUE(source->LoadedChangeTime().has_value());
  EXPECT_GE(*source->LoadedChangeTime(), before);
}

TEST_F(KubeInventorySourceTest, WaitReadySaysWhatIsMissing) {
  std::unique_ptr<KubeInventorySource> source = Start("not-the-token");
  ASSERT_NE(source, nullptr);
  const absl::Status ready = source->WaitReady(absl::Milliseconds(500));
  EXPECT_EQ(ready.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(ready.message(), HasSubstr("401"));
  EXPECT_THAT(ready.message(), HasSubstr("RBAC"));
  EXPECT_EQ(source->Load().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nsfence::kube
