#include "kube/objects.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/json.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::IsolationPolicyJson;
using ::nsfence::kube::testing::NamespaceJson;
using ::nsfence::kube::testing::Parse;
using ::nsfence::kube::testing::PodJson;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(ObjectsTest, ANamespace) {
  const Struct object = Parse(NamespaceJson("job-a", "ci", "731"));
  EXPECT_EQ(ObjectKey(object), "job-a");
  const absl::StatusOr<Namespace> ns = NamespaceFromObject(object);
  ASSERT_TRUE(ns.ok()) << ns.status();
  EXPECT_EQ(ns->name, "job-a");
  EXPECT_EQ(ns->resource_version, "731");
  EXPECT_THAT(ns->labels, ElementsAre(Pair("kubernetes.io/metadata.name", "job-a"),
                                      Pair("team", "ci")));
}

TEST(ObjectsTest, APod) {
  const Struct object =
      Parse(PodJson("job-a", "build-x7k2p", "5d0c6f0e-uid", "node-1", "10.244.1.7"));
  EXPECT_EQ(ObjectKey(object), "job-a/build-x7k2p");
  const absl::StatusOr<Pod> pod = PodFromObject(object);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->namespace_name, "job-a");
  EXPECT_EQ(pod->name, "build-x7k2p");
  EXPECT_EQ(pod->uid, "5d0c6f0e-uid");
  EXPECT_EQ(pod->node_name, "node-1");
  EXPECT_THAT(pod->ips, ElementsAre("10.244.1.7"));
  EXPECT_FALSE(pod->host_network);
  EXPECT_EQ(pod->phase, "Running");
  EXPECT_EQ(pod->qos_class, "Burstable");
  EXPECT_THAT(pod->container_ids, ElementsAre("containerd://5d0c6f0e-uid-c0"));
  EXPECT_EQ(pod->resource_version, "100");
}

TEST(ObjectsTest, APodsAddresses) {
  // Dual stack: podIPs has both families, podIP only the first.
  Struct dual = Parse(PodJson("a", "p", "u", "n", "10.244.1.7"));
  Struct& status = *(*dual.mutable_fields())["status"].mutable_struct_value();
  *(*status.mutable_fields())["podIPs"].mutable_list_value() =
      Parse(R"({"l": [{"ip": "10.244.1.7"}, {"ip": "fd00:10:244:1::7"}]})")
          .fields()
          .at("l")
          .list_value();
  EXPECT_THAT(PodFromObject(dual)->ips, ElementsAre("10.244.1.7", "fd00:10:244:1::7"));

  // An older server: podIP only.
  status.mutable_fields()->erase("podIPs");
  EXPECT_THAT(PodFromObject(dual)->ips, ElementsAre("10.244.1.7"));

  // Pending, not scheduled: no address, no containers.
  const absl::StatusOr<Pod> pending = PodFromObject(Parse(
      R"({"kind": "Pod", "metadata": {"name": "p", "namespace": "a", "uid": "u"},
          "spec": {"hostNetwork": true}, "status": {"phase": "Pending"}})"));
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_THAT(pending->ips, IsEmpty());
  EXPECT_THAT(pending->container_ids, IsEmpty());
  EXPECT_TRUE(pending->host_network);
  EXPECT_EQ(pending->node_name, "");
}

TEST(ObjectsTest, InitAndEphemeralContainersHaveCgroupsToo) {
  const absl::StatusOr<Pod> pod = PodFromObject(Parse(R"({
    "metadata": {"name": "p", "namespace": "a", "uid": "u"},
    "status": {
      "initContainerStatuses": [{"name": "init", "containerID": "cri-o://init1"}],
      "containerStatuses": [{"name": "app", "containerID": "cri-o://app1"},
                            {"name": "waiting", "state": {"waiting": {}}}],
      "ephemeralContainerStatuses": [{"name": "debug", "containerID": "cri-o://dbg1"}]}})"));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_THAT(pod->container_ids, ElementsAre("cri-o://init1", "cri-o://app1", "cri-o://dbg1"));
}

TEST(ObjectsTest, ObjectsWithoutNamesAreRefusedByName) {
  const absl::StatusOr<Pod> pod =
      PodFromObject(Parse(R"({"metadata": {"name": "p", "namespace": "a"}})"));
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.status().message(),
            "Pod \"a/p\" from the API has no metadata.uid: the object is ignored");
  EXPECT_FALSE(NamespaceFromObject(Parse(R"({"metadata": {}})")).ok());
  EXPECT_FALSE(IsolationPolicyFromObject(Parse(R"({"spec": {}})")).ok());
}

TEST(ObjectsTest, AnIsolationPolicyFromTheApiParsesAsAPolicyFile) {
  const absl::StatusOr<IsolationPolicyObject> object =
      IsolationPolicyFromObject(Parse(IsolationPolicyJson("workflow-jobs")));
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->name, "workflow-jobs");
  EXPECT_EQ(object->resource_version, "48213");
  // Server-set metadata and status are gone; name and labels stay.
  for (const char* noise : {"managedFields", "uid", "resourceVersion", "creationTimestamp",
                            "generation", "annotations", "status"}) {
    EXPECT_THAT(object->text, ::testing::Not(HasSubstr(noise))) << noise;
  }
  EXPECT_THAT(object->text, HasSubstr(R"("labels":{"owner":"platform"})"));

  const policy::ParseResult parsed = ParseIsolationPolicy(*object);
  ASSERT_TRUE(parsed.ok()) << ToStatus(parsed.diagnostics);
  ASSERT_EQ(parsed.policies.size(), 1u);
  const policy::Policy& policy = parsed.policies[0];
  EXPECT_EQ(policy.name, "workflow-jobs");
  EXPECT_EQ(policy.mode, policy::Mode::kEnforce);
  EXPECT_EQ(policy.pos.file, "isolationpolicy/workflow-jobs");
  EXPECT_EQ(policy.namespace_selector.match_labels.at("nsfence.io/tier"), "jobs");
  ASSERT_TRUE(policy.network.has_value());
}

TEST(ObjectsTest, TheStrictParserStillJudgesTheSpec) {
  Struct object = Parse(IsolationPolicyJson("bad"));
  Struct& spec = *(*object.mutable_fields())["spec"].mutable_struct_value();
  (*spec.mutable_fields())["podSelector"].mutable_struct_value();
  const policy::ParseResult parsed = ParseIsolationPolicy(*IsolationPolicyFromObject(object));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(ToStatus(parsed.diagnostics).message(),
              HasSubstr("isolationpolicy/bad:1:"));
  EXPECT_THAT(ToStatus(parsed.diagnostics).message(), HasSubstr("spec.podSelector"));
}

TEST(ObjectsTest, AnUnstrippedApiObjectWouldBeRefused) {
  // Why IsolationPolicyFromObject strips metadata: the parser refuses it.
  const policy::ParseResult raw =
      policy::ParsePolicies(IsolationPolicyJson("workflow-jobs"), "raw");
  EXPECT_FALSE(raw.ok());
}

}  // namespace
}  // namespace nsfence::kube
