// The agent fed by a Kubernetes API server (a fake one that speaks list and
// watch) and the node's cgroups laid out as the kubelet lays them out, with
// both cgroup drivers: namespaces, pods and IsolationPolicy objects come from
// the watch streams, pods' cgroups from cgroup discovery.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kube/api_objects.h"
#include "support/kube/fake_cluster.h"

namespace nsfence::e2e {
namespace {

using kube::testing::FakeCluster;
using kube::testing::NamespaceWithLabels;
using kube::testing::Parse;
using kube::testing::PodJson;
using testbed::CgroupLayout;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kNode[] = "test-node";
constexpr char kToken[] = "e2e-token";

// Job namespaces isolated; they may reach infra namespaces on TCP 8080.
std::string JobsPolicyJson(absl::string_view name, absl::string_view except_cidr = "") {
  return absl::Substitute(
      R"({"apiVersion":"nsfence.io/v1alpha1","kind":"IsolationPolicy",
          "metadata":{"name":"$0","resourceVersion":"1"},
          "spec":{"namespaceSelector":{"matchLabels":{"nsfence.io/tier":"job"}},
                  "network":{"crossNamespace":"deny","egress":[
                    {"to":[{"namespaceSelector":{"matchLabels":{"nsfence.io/tier":"infra"}}}],
                     "ports":[{"protocol":"TCP","port":8080}]}$1]}}})",
      name,
      except_cidr.empty() ? "" : absl::StrCat(R"(,{"to":[{"ipBlock":{"cidr":")", except_cidr, R"("}}]})"));
}

class KubeInventoryTest : public NetworkTest, public ::testing::WithParamInterface<CgroupLayout> {
 protected:
  KubeInventoryTest() { cgroup_layout_ = GetParam(); }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(NetworkTest::SetUp());
    if (IsSkipped()) return;
    cluster_ = std::make_unique<FakeCluster>(FakeCluster::NsfenceCollections());
    cluster_->RequireToken(kToken);
    kubeconfig_ = absl::StrCat(work_dir(), "/kubeconfig");
    ASSERT_TRUE(cluster_->WriteKubeconfig(kubeconfig_, kToken).ok());
    // What the testbed holds, as the API server would know it.
    for (const auto& [name, tier] : {std::pair{"job-a", "job"}, std::pair{"job-b", "job"}, std::pair{"infra", "infra"}}) {
      PublishNamespace(name, tier);
    }
    for (const Pod* pod : {runner_, helper_, worker_, cache_}) PublishPod(*pod);
  }

  void TearDown() override {
    NetworkTest::TearDown();  // may start an agent to clean up: the cluster is still there
    cluster_.reset();
  }

  std::vector<std::string> InventoryArgs() const override {
    return {"--inventory-source=kubernetes", "--kubeconfig", kubeconfig_, absl::StrCat("--node-name=", kNode),
            "--cgroup-root", testbed_->kubepods_root(),
            // The map occupancy gauges, sampled every second.
            "--stats-seconds=1"};
  }

  void PublishNamespace(const std::string& name, const std::string& tier) {
    cluster_->namespaces().Add(Parse(NamespaceWithLabels(name, {{"nsfence.io/tier", tier}})));
  }
  // Running with its IPv4 address.
  void PublishPod(const Pod& pod) {
    cluster_->pods().Add(Parse(PodJson(pod.namespace_name(), pod.name(), pod.uid(), kNode, pod.ipv4().ToString())));
  }
  // Scheduled here, before the kubelet made its cgroup and network.
  void PublishPendingPod(const std::string& ns, const std::string& name, const std::string& uid) {
    cluster_->pods().Add(Parse(PodJson(ns, name, uid, kNode, "", {.phase = "Pending"})));
  }

  // Polls the agent's metrics until `series` has `want`; the last value seen.
  std::optional<double> WaitForMetric(const std::string& series, double want) {
    const absl::Time deadline = absl::Now() + kAgentReacts;
    std::optional<double> seen;
    while (absl::Now() < deadline) {
      seen = MetricSample(ScrapeMetrics(AgentMetricsAddress()), series);
      if (seen == want) return seen;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return seen;
  }

  std::unique_ptr<FakeCluster> cluster_;
  std::string kubeconfig_;
};

TEST_P(KubeInventoryTest, APodInANewLabelledNamespaceIsIsolatedOnItsFirstConnection) {
  cluster_->policies().Add(Parse(JobsPolicyJson("jobs")));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  const std::string endpoints = R"(nsfence_bpf_map_entries{map="nsf_endpoints"})";
  const std::optional<double> baseline = WaitForMetric(endpoints, 4);
  ASSERT_EQ(baseline, 4) << "runner, helper, worker, cache";

  // In the kubelet's order: the objects, then the pod's cgroup and network,
  // then its first process connects. Nothing waits for the agent.
  const std::string uid = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
  PublishNamespace("job-new", "job");
  PublishPendingPod("job-new", "build", uid);
  ASSERT_TRUE(testbed_->AddNamespace("job-new", {{"nsfence.io/tier", "job"}}).ok());
  absl::StatusOr<Pod*> build = testbed_->AddPod("job-new", "build", {.uid = uid});
  ASSERT_TRUE(build.ok()) << build.status();
  EXPECT_EQ(Probe(**build, TcpConnect(*worker_, 8080)), kDenied) << "the first connection, to another job";
  EXPECT_EQ(Probe(**build, TcpConnect(*cache_, 8080)), kOk);
  PublishPod(**build);  // Running, with its address

  // Deleted as the kubelet and the API server delete it: no map entries left.
  ASSERT_TRUE(testbed_->RemovePod("job-new", "build").ok());
  cluster_->pods().Remove("job-new/build");
  cluster_->namespaces().Remove("job-new");
  EXPECT_EQ(WaitForMetric(endpoints, 4), 4);
  EXPECT_EQ(WaitForMetric(R"(nsfence_bpf_map_entries{map="nsf_identities"})", 2), 2) << "job-a and job-b only";
  EXPECT_EQ(WaitForMetric(R"(nsfence_kube_synced{resource="pods"})", 1), 1);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // Its address is not in the event: it connected before the kubelet reported it.
  EXPECT_THAT(Events(), Contains("blocked egress tcp job-new/build 0.0.0.0 -> " +
                                 absl::StrCat(worker_->ipv4().WithPort(8080), " peer job-b/worker policy jobs")));
}

TEST_P(KubeInventoryTest, ACgroupBeforeItsPodIsIsolatedUntilThePodIsKnown) {
  cluster_->policies().Add(Parse(JobsPolicyJson("jobs")));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080}));
  // The API server has not told the agent of this pod (or its namespace).
  ASSERT_TRUE(testbed_->AddNamespace("job-late", {{"nsfence.io/tier", "job"}}).ok());
  absl::StatusOr<Pod*> early = testbed_->AddPod("job-late", "early");
  ASSERT_TRUE(early.ok()) << early.status();
  // The unknown pod's policy refuses privileged containers too.
  (*early)->RunAsContainer();
  EXPECT_EQ(WaitForMetric("nsfence_pending_pods", 1), 1);
  EXPECT_EQ(Probe(**early, TcpConnect(*cache_, 8080)), kDenied) << "fail-closed: not even what jobs may reach";
  EXPECT_TRUE(agent().WaitForStderr("1 pod cgroups have no known Pod object yet", kAgentReacts));

  PublishNamespace("job-late", "job");
  PublishPod(**early);
  EXPECT_EQ(WaitForMetric("nsfence_pending_pods", 0), 0);
  EXPECT_EQ(Probe(**early, TcpConnect(*cache_, 8080)), kOk) << "its namespace's policy now";
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), Contains(HasSubstr(absl::StrCat("unknown-pod:", (*early)->uid()))));
}

TEST_P(KubeInventoryTest, WithAllowAnUnknownPodIsUngoverned) {
  cluster_->policies().Add(Parse(JobsPolicyJson("jobs")));
  ASSERT_NO_FATAL_FAILURE(StartAgent({.extra_args = {"--unknown-pods=allow"}}));
  ASSERT_TRUE(ServeTcp(*cache_, {8081}));
  ASSERT_TRUE(testbed_->AddNamespace("job-late", {{"nsfence.io/tier", "job"}}).ok());
  absl::StatusOr<Pod*> early = testbed_->AddPod("job-late", "early");
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(WaitForMetric("nsfence_pending_pods", 1), 1);
  // A job may not reach infra on 8081; an ungoverned pod may.
  EXPECT_EQ(Probe(**early, TcpConnect(*cache_, 8081)), kOk);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
}

TEST_P(KubeInventoryTest, AnInvalidPolicyObjectIsReportedAndNeverApplied) {
  cluster_->policies().Add(Parse(JobsPolicyJson("jobs")));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  // Host bits set: the CRD's schema cannot say so, the agent's parser does.
  // Applied, it would let jobs reach everything.
  cluster_->policies().Add(Parse(JobsPolicyJson("open", "10.0.0.1/0")));
  EXPECT_EQ(WaitForMetric(R"(nsfence_kube_invalid_objects{resource="isolationpolicies"})", 1), 1);
  EXPECT_TRUE(agent().WaitForStderr("isolationpolicy/open:", kAgentReacts)) << agent().StderrText();
  EXPECT_THAT(agent().StderrText(), HasSubstr("never applied"));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);

  // Deleted, it is no longer counted; the valid policy goes on.
  cluster_->policies().Remove("open");
  EXPECT_EQ(WaitForMetric(R"(nsfence_kube_invalid_objects{resource="isolationpolicies"})", 0), 0);
  cluster_->policies().Remove("jobs");
  const absl::Time deadline = absl::Now() + kAgentReacts;
  std::string outcome;
  while (absl::Now() < deadline && (outcome = Probe(*runner_, TcpConnect(*worker_, 8080))) != kOk) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(outcome, kOk) << "no policy, no isolation";
  ASSERT_NO_FATAL_FAILURE(StopAgent());
}

INSTANTIATE_TEST_SUITE_P(CgroupDrivers, KubeInventoryTest,
                         ::testing::Values(CgroupLayout::kKubeletSystemd, CgroupLayout::kKubeletCgroupfs),
                         [](const ::testing::TestParamInfo<CgroupLayout>& info) {
                           return info.param == CgroupLayout::kKubeletSystemd ? "Systemd" : "Cgroupfs";
                         });

}  // namespace
}  // namespace nsfence::e2e
