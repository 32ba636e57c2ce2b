// The test objects' variants read as the agent reads them.
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "kube/json.h"
#include "kube/objects.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(ApiObjectVariantsTest, ANamespaceHasItsLabelsAndItsNameLabel) {
  const absl::StatusOr<Namespace> ns = NamespaceFromObject(
      Parse(NamespaceWithLabels("job-a", {{"nsfence.io/tier", "jobs"}, {"team", "ci"}}, "7")));
  ASSERT_TRUE(ns.ok()) << ns.status();
  EXPECT_EQ(ns->name, "job-a");
  EXPECT_EQ(ns->resource_version, "7");
  EXPECT_THAT(ns->labels, ElementsAre(Pair("kubernetes.io/metadata.name", "job-a"),
                                      Pair("nsfence.io/tier", "jobs"), Pair("team", "ci")));
}

TEST(ApiObjectVariantsTest, TheDefaultsAreThoseOfThePlainPod) {
  // Compared as objects: the order of printed fields is not fixed.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      Parse(PodJson("ns", "p", "u", "node-1", "10.244.1.5", PodOptions{})),
      Parse(PodJson("ns", "p", "u", "node-1", "10.244.1.5"))));
}

TEST(ApiObjectVariantsTest, AHostNetworkGuaranteedPod) {
  const Struct object = Parse(PodJson("kube-system", "agent", "u", "node-1", "192.0.2.10",
                                      {.qos_class = "Guaranteed", .host_network = true}));
  const absl::StatusOr<Pod> pod = PodFromObject(object);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_TRUE(pod->host_network);
  EXPECT_EQ(pod->qos_class, "Guaranteed");
  EXPECT_EQ(pod->phase, "Running");
  EXPECT_THAT(pod->ips, ElementsAre("192.0.2.10"));
  EXPECT_EQ(StringAt(object, {"status", "hostIP"}), "192.0.2.10");
  EXPECT_THAT(pod->container_ids, ElementsAre("containerd://u-c0"));
}

TEST(ApiObjectVariantsTest, APendingPodHasNoAddressOrContainerYet) {
  const absl::StatusOr<Pod> pod = PodFromObject(
      Parse(PodJson("ns", "p", "u", "node-1", "10.244.1.5",
                    {.qos_class = "BestEffort", .phase = "Pending"})));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->phase, "Pending");
  EXPECT_EQ(pod->qos_class, "BestEffort");
  EXPECT_FALSE(pod->host_network);
  EXPECT_THAT(pod->ips, IsEmpty());
  EXPECT_THAT(pod->container_ids, IsEmpty());
}

TEST(ApiObjectVariantsTest, AFinishedPodKeepsItsAddressAndContainer) {
  const Struct object = Parse(PodJson("ns", "p", "u", "node-1", "10.244.1.5", {.phase = "Failed"}));
  const absl::StatusOr<Pod> pod = PodFromObject(object);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->phase, "Failed");
  EXPECT_THAT(pod->ips, ElementsAre("10.244.1.5"));
  EXPECT_THAT(pod->container_ids, ElementsAre("containerd://u-c0"));
  const Value* exit_code = FindPath(
      ListAt(object, {"status", "containerStatuses"})->values(0).struct_value(),
      {"state", "terminated", "exitCode"});
  ASSERT_NE(exit_code, nullptr);
  EXPECT_EQ(exit_code->number_value(), 1);
}

}  // namespace
}  // namespace nsfence::kube::testing
