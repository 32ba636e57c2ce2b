// FakeCluster: several collections on one URL, one resourceVersion for all
// of them, and a kubeconfig the client accepts, as e2e tests and benchmarks
// use it.
#include "support/kube/fake_cluster.h"

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/http_client.h"
#include "kube/kubeconfig.h"
#include "kube/objects.h"
#include "kube/reflector.h"
#include "support/kube/api_objects.h"
#include "support/kube/temp_dir.h"

namespace nsfence::kube::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// GET `path` of the cluster: the status and the body, parsed.
struct Got {
  int status = 0;
  Struct body;
};

Got Get(const FakeCluster& cluster, const std::string& path, const std::string& token = "") {
  ClusterConfig config;
  config.server = cluster.url();
  config.token = token;
  absl::StatusOr<HttpClient> client = HttpClient::Create(config);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return {};
  absl::StatusOr<HttpResponse> response = client->Get(path);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return {};
  return {response->status, Parse(response->body)};
}

std::vector<std::string> ItemNames(const Struct& list) {
  std::vector<std::string> names;
  if (const ListValue* items = ListAt(list, {"items"}); items != nullptr) {
    for (const Value& item : items->values()) {
      names.push_back(StringAt(item.struct_value(), {"metadata", "name"}));
    }
  }
  return names;
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(FakeClusterTest, ServesTwoCollectionsOnOneUrl) {
  FakeCluster cluster({{kNamespacesPath, "NamespaceList", "v1"}, {kPodsPath, "PodList", "v1"}});
  cluster.namespaces().Add(Parse(NamespaceJson("job-a", "ci")));
  cluster.pods().Add(Parse(PodJson("job-a", "build-x", "uid-1", "node-1", "10.244.1.5")));

  const Got namespaces = Get(cluster, kNamespacesPath);
  EXPECT_EQ(namespaces.status, 200);
  EXPECT_EQ(StringAt(namespaces.body, {"kind"}), "NamespaceList");
  EXPECT_THAT(ItemNames(namespaces.body), ElementsAre("job-a"));
  const Got pods = Get(cluster, kPodsPath);
  EXPECT_EQ(pods.status, 200);
  EXPECT_EQ(StringAt(pods.body, {"kind"}), "PodList");
  EXPECT_THAT(ItemNames(pods.body), ElementsAre("build-x"));
  EXPECT_EQ(cluster.namespaces().lists().size(), 1u);
  EXPECT_EQ(cluster.pods().lists().size(), 1u);
}

TEST(FakeClusterTest, AllCollectionsShareOneResourceVersion) {
  FakeCluster cluster = FakeCluster::ForNsfence();
  const std::string namespace_version = cluster.namespaces().Add(Parse(NamespaceJson("a", "ci")));
  const Got before = Get(cluster, kNamespacesPath);
  EXPECT_EQ(StringAt(before.body, {"metadata", "resourceVersion"}), namespace_version);

  // A change of pods advances the version a namespaces LIST reports, and
  // the next namespace change comes after it.
  const std::string pod_version =
      cluster.pods().Add(Parse(PodJson("a", "p", "uid-1", "node-1", "10.244.1.5")));
  EXPECT_GT(std::stoull(pod_version), std::stoull(namespace_version));
  EXPECT_EQ(cluster.resource_version(), pod_version);
  const Got after = Get(cluster, kNamespacesPath);
  EXPECT_EQ(StringAt(after.body, {"metadata", "resourceVersion"}), pod_version);
  EXPECT_THAT(ItemNames(after.body), ElementsAre("a"));
  const std::string policy_version = cluster.policies().Add(Parse(IsolationPolicyJson("jobs")));
  EXPECT_EQ(std::stoull(policy_version), std::stoull(pod_version) + 1);
}

TEST(FakeClusterTest, UnknownPathsAreNotFound) {
  FakeCluster cluster = FakeCluster::ForNsfence();
  const Got got = Get(cluster, "/api/v1/services");
  EXPECT_EQ(got.status, 404);
  EXPECT_EQ(StringAt(got.body, {"kind"}), "Status");
  EXPECT_EQ(StringAt(got.body, {"reason"}), "NotFound");
  EXPECT_EQ(FindPath(got.body, {"code"})->number_value(), 404);
}

TEST(FakeClusterTest, TheTokenIsRequiredEverywhere) {
  FakeCluster cluster = FakeCluster::ForNsfence();
  cluster.RequireToken("s3cret");
  FakeCollection& services = cluster.AddCollection("/api/v1/services", "ServiceList", "v1");
  for (const char* path : {kNamespacesPath, kPodsPath, kIsolationPoliciesPath,
                           "/api/v1/services", "/api/v1/nodes"}) {
    EXPECT_EQ(Get(cluster, path).status, 401) << path;
    EXPECT_EQ(Get(cluster, path, "s3cret").status, std::string(path) == "/api/v1/nodes" ? 404 : 200)
        << path;
  }
  EXPECT_EQ(services.requests().size(), 2u);
}

TEST(FakeClusterTest, AReflectorFromItsKubeconfigSyncsAndSeesAnAdd) {
  FakeCluster cluster = FakeCluster::ForNsfence();
  cluster.RequireToken("t0ken/with+odd=chars");
  cluster.pods().Add(Parse(PodJson("job-a", "first", "uid-1", "node-1", "10.244.1.5")));
  TempDir dir;
  const std::string kubeconfig = dir.Path("kubeconfig");
  ASSERT_TRUE(cluster.WriteKubeconfig(kubeconfig, "t0ken/with+odd=chars").ok());
  absl::StatusOr<ClusterConfig> config = KubeconfigConfig(kubeconfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, cluster.url());

  Reflector reflector(*config, kPodsPath);
  ASSERT_TRUE(reflector.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return reflector.synced(); }, absl::Seconds(5)))
      << reflector.last_error();
  ASSERT_TRUE(cluster.pods().WaitForWatches(1));
  cluster.namespaces().Add(Parse(NamespaceJson("job-a", "ci")));  // not a pod
  cluster.pods().Add(Parse(PodJson("job-a", "second", "uid-2", "node-1", "10.244.1.6",
                                   {.qos_class = "Guaranteed"})));
  ASSERT_TRUE(WaitFor([&] { return reflector.snapshot().objects.size() == 2; }, absl::Seconds(1)));
  const absl::StatusOr<Pod> pod = PodFromObject(*reflector.snapshot().objects[1]);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->name, "second");
  EXPECT_EQ(pod->qos_class, "Guaranteed");
  EXPECT_EQ(reflector.resource_version(), cluster.resource_version());
  EXPECT_THAT(cluster.pods().watches()[0].Header("authorization"), HasSubstr("t0ken/with+odd=chars"));
}

TEST(FakeClusterTest, DropWatchesCutsTheWatchesOfEveryCollection) {
  FakeCluster cluster = FakeCluster::ForNsfence();
  ClusterConfig config;
  config.server = cluster.url();
  Reflector namespaces(config, kNamespacesPath);
  Reflector pods(config, kPodsPath);
  ASSERT_TRUE(namespaces.Start().ok());
  ASSERT_TRUE(pods.Start().ok());
  ASSERT_TRUE(cluster.namespaces().WaitForWatches(1));
  ASSERT_TRUE(cluster.pods().WaitForWatches(1));

  cluster.DropWatches();
  EXPECT_TRUE(cluster.namespaces().WaitForWatches(2));
  EXPECT_TRUE(cluster.pods().WaitForWatches(2));
  EXPECT_EQ(cluster.policies().requests().size(), 0u);
}

// Changes arriving faster than a client reads them, in two collections:
// the watch delivers every one, in order, with no re-list.
TEST(FakeClusterTest, AWatchKeepsUpWithChurn) {
  constexpr int kPods = 2000;
  FakeCluster cluster = FakeCluster::ForNsfence();
  ClusterConfig config;
  config.server = cluster.url();
  Reflector reflector(config, kPodsPath);
  ASSERT_TRUE(reflector.Start().ok());
  ASSERT_TRUE(cluster.pods().WaitForWatches(1));
  std::string last;
  for (int i = 0; i < kPods; ++i) {
    const std::string name = absl::StrCat("p-", i);
    last = cluster.pods().Add(Parse(PodJson("ns", name, absl::StrCat("uid-", i), "node-1",
                                            absl::StrCat("10.244.", i / 250, ".", i % 250))));
    if (i % 10 == 0) cluster.namespaces().AdvanceVersion();
    if (i % 3 == 0) cluster.pods().Remove(absl::StrCat("ns/", name));
  }
  ASSERT_TRUE(WaitFor([&] { return reflector.resource_version() == last; }, absl::Seconds(10)));
  EXPECT_EQ(reflector.snapshot().objects.size(), static_cast<size_t>(kPods - (kPods + 2) / 3));
  EXPECT_EQ(cluster.pods().lists().size(), 1u);
  EXPECT_EQ(cluster.pods().watches().size(), 1u);
}

}  // namespace
}  // namespace nsfence::kube::testing
