#include "kube/node_inventory.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/substitute.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::NamespaceJson;
using ::nsfence::kube::testing::Parse;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr char kUidA[] = "0b4e3c2a-1111-4a5b-9c8d-7e6f5a4b3c2d";
constexpr char kUidB[] = "0b4e3c2a-2222-4a5b-9c8d-7e6f5a4b3c2d";

std::string Pod(absl::string_view ns, absl::string_view name, absl::string_view uid, absl::string_view ip,
                absl::string_view phase = "Running", bool host_network = false) {
  return absl::Substitute(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"$0","name":"$1","uid":"$2","resourceVersion":"7"},
          "spec":{"nodeName":"node-1","hostNetwork":$5},
          "status":{"phase":"$4","qosClass":"Burstable","podIP":"$3","podIPs":[{"ip":"$3"}]}})",
      ns, name, uid, ip, phase, host_network ? "true" : "false");
}

Snapshot Of(const std::vector<std::string>& objects) {
  Snapshot s;
  for (const std::string& json : objects) s.objects.push_back(std::make_shared<const Struct>(Parse(json)));
  return s;
}

inventory::PodCgroups Cgroups(const std::vector<std::string>& uids) {
  inventory::PodCgroups out;
  for (const std::string& uid : uids) {
    out[uid] = {.uid = uid, .cgroup = absl::StrCat("kubepods.slice/kubepods-burstable.slice/pod", uid)};
  }
  return out;
}

TEST(NodeInventoryTest, NamespacesPeersAndThisNodesPods) {
  const NodeInventory node = BuildNodeInventory(
      Of({NamespaceJson("job-a", "ci"), NamespaceJson("job-b", "ci")}),
      Of({Pod("job-a", "build", kUidA, "10.244.1.7"), Pod("job-b", "peer", kUidB, "10.244.2.9")}), Cgroups({kUidA}),
      /*deny_unknown_pods=*/true);
  EXPECT_THAT(node.problems, IsEmpty());
  ASSERT_EQ(node.inventory.namespaces.size(), 2u);
  EXPECT_THAT(node.inventory.namespaces[0].labels,
              ElementsAre(Pair("kubernetes.io/metadata.name", "job-a"), Pair("team", "ci")));
  ASSERT_EQ(node.inventory.pods.size(), 2u);
  EXPECT_EQ(node.inventory.pods[0].name, "build");
  EXPECT_EQ(node.inventory.pods[0].cgroup, absl::StrCat("kubepods.slice/kubepods-burstable.slice/pod", kUidA));
  EXPECT_EQ(node.inventory.pods[0].ips[0].ToString(), "10.244.1.7");
  EXPECT_EQ(node.inventory.pods[1].name, "peer");
  EXPECT_EQ(node.inventory.pods[1].cgroup, "");  // elsewhere: a peer only
  EXPECT_THAT(node.unknown_pods, IsEmpty());
  EXPECT_FALSE(node.unknown_pods_policy.has_value());
}

TEST(NodeInventoryTest, FinishedPodsAreNeitherPeersNorEnforced) {
  // A Succeeded pod's address may already belong to a new pod.
  const NodeInventory node = BuildNodeInventory(Of({NamespaceJson("job-a", "ci")}),
                                                Of({Pod("job-a", "done", kUidA, "10.244.1.7", "Succeeded"),
                                                    Pod("job-a", "failed", kUidB, "10.244.1.8", "Failed")}),
                                                {}, true);
  EXPECT_THAT(node.inventory.pods, IsEmpty());
}

TEST(NodeInventoryTest, HostNetworkPodsAddressesAreHostAddresses) {
  const NodeInventory node = BuildNodeInventory(
      Of({NamespaceJson("kube-system", "infra")}),
      Of({Pod("kube-system", "proxy-1", kUidA, "192.168.0.11", "Running", true),
          Pod("kube-system", "proxy-2", kUidB, "192.168.0.11", "Running", true)}),
      Cgroups({kUidA}), true);
  ASSERT_EQ(node.inventory.host_cidrs.size(), 1u);
  EXPECT_EQ(node.inventory.host_cidrs[0].ToString(), "192.168.0.11/32");
  // The local one is still enforced by its cgroup, without addresses of its own.
  ASSERT_EQ(node.inventory.pods.size(), 1u);
  EXPECT_EQ(node.inventory.pods[0].name, "proxy-1");
  EXPECT_THAT(node.inventory.pods[0].ips, IsEmpty());
}

TEST(NodeInventoryTest, ACgroupWithoutItsPodIsIsolatedAloneWithDeny) {
  const NodeInventory node =
      BuildNodeInventory(Of({NamespaceJson("job-a", "ci")}), Of({}), Cgroups({kUidA, kUidB}), true);
  EXPECT_THAT(node.unknown_pods, ElementsAre(kUidA, kUidB));
  ASSERT_EQ(node.inventory.namespaces.size(), 3u);
  const std::string ns_a = absl::StrCat(kUnknownPodNamespacePrefix, kUidA);
  EXPECT_EQ(node.inventory.namespaces[1].name, ns_a);
  ASSERT_EQ(node.inventory.pods.size(), 2u);
  EXPECT_EQ(node.inventory.pods[0].namespace_name, ns_a);  // one namespace each: not even each other
  EXPECT_NE(node.inventory.pods[1].namespace_name, ns_a);
  ASSERT_TRUE(node.unknown_pods_policy.has_value());
  const policy::Policy& p = *node.unknown_pods_policy;
  EXPECT_EQ(p.name, kUnknownPodsPolicy);
  EXPECT_TRUE(p.namespace_selector.Matches({{kNamespaceNameLabel, ns_a}}));
  EXPECT_FALSE(p.namespace_selector.Matches({{kNamespaceNameLabel, "job-a"}}));
  ASSERT_TRUE(p.network.has_value());
  EXPECT_EQ(p.network->cross_namespace, policy::CrossNamespace::kDeny);
  EXPECT_EQ(p.network->host_ingress, policy::HostIngress::kDeny);
  EXPECT_THAT(p.network->egress, IsEmpty());
  ASSERT_TRUE(p.containers.has_value());
  EXPECT_EQ(p.containers->privileged, policy::Privileged::kDeny);
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_EQ(p.tls->min_version, policy::TlsVersion::kTls12);
}

TEST(NodeInventoryTest, ACgroupWithoutItsPodIsLeftOutWithAllow) {
  const NodeInventory node = BuildNodeInventory(Of({}), Of({}), Cgroups({kUidA}), false);
  EXPECT_THAT(node.unknown_pods, ElementsAre(kUidA));
  EXPECT_THAT(node.inventory.pods, IsEmpty());
  EXPECT_THAT(node.inventory.namespaces, IsEmpty());
  EXPECT_FALSE(node.unknown_pods_policy.has_value());
}

TEST(NodeInventoryTest, ALocalPodWhoseNamespaceIsNotKnownYetIsUnknown) {
  // The pod watch may run ahead of the namespace watch.
  const NodeInventory node =
      BuildNodeInventory(Of({}), Of({Pod("job-new", "build", kUidA, "10.244.1.7")}), Cgroups({kUidA}), true);
  EXPECT_THAT(node.unknown_pods, ElementsAre(kUidA));
  ASSERT_EQ(node.inventory.pods.size(), 1u);
  EXPECT_EQ(node.inventory.pods[0].namespace_name, absl::StrCat(kUnknownPodNamespacePrefix, kUidA));
}

TEST(NodeInventoryTest, APeerWhoseNamespaceIsGoneIsLeftOut) {
  // The namespace's deletion arrived before its pod's.
  const NodeInventory node = BuildNodeInventory(Of({NamespaceJson("job-a", "ci")}),
                                                Of({Pod("job-gone", "peer", kUidA, "10.244.2.9"),
                                                    Pod("job-a", "build", kUidB, "10.244.1.7")}),
                                                {}, true);
  ASSERT_EQ(node.inventory.pods.size(), 1u);
  EXPECT_EQ(node.inventory.pods[0].name, "build");
  EXPECT_THAT(node.unknown_pods, IsEmpty());
}

TEST(NodeInventoryTest, UnreadableObjectsAreSkippedAndSaid) {
  const NodeInventory node = BuildNodeInventory(
      Of({R"({"kind":"Namespace","metadata":{}})"}),
      Of({Pod("job-a", "bad-ip", kUidA, "10.244.1.300"), R"({"kind":"Pod","metadata":{"name":"x"}})"}), {}, true);
  EXPECT_EQ(node.problems.size(), 3u);
  EXPECT_THAT(node.inventory.namespaces, IsEmpty());
  EXPECT_THAT(node.inventory.pods, IsEmpty());
}

}  // namespace
}  // namespace nsfence::kube
