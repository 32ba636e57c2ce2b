#include "kube/policy_objects.h"

#include <memory>
#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::IsolationPolicyJson;
using ::nsfence::kube::testing::Parse;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The object with `resource_version` and, when `bad`, a CIDR with host bits
// set: the CRD's schema lets it through, the agent's parser does not.
std::shared_ptr<const Struct> Object(absl::string_view name, absl::string_view resource_version, bool bad = false) {
  std::string json = IsolationPolicyJson(name);
  json = absl::StrReplaceAll(json, {{R"("resourceVersion": "48213")", absl::StrCat(R"("resourceVersion": ")", resource_version, "\"")}});
  if (bad) json = absl::StrReplaceAll(json, {{"10.96.0.10/32", "10.96.0.10/8"}});
  return std::make_shared<const Struct>(Parse(json));
}

Snapshot Of(std::vector<std::shared_ptr<const Struct>> objects) { return {.version = 1, .objects = std::move(objects)}; }

std::vector<std::string> Names(const PolicyObjects& objects) {
  std::vector<std::string> names;
  for (const policy::Policy& p : objects.policies()) names.push_back(p.name);
  return names;
}

TEST(PolicyObjectsTest, ValidObjectsAreInForce) {
  PolicyObjects objects;
  PolicyObjects::UpdateResult r = objects.Update(Of({Object("jobs-b", "1"), Object("jobs-a", "2")}), {});
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(Names(objects), (std::vector<std::string>{"jobs-a", "jobs-b"}));
  EXPECT_FALSE(objects.Update(Of({Object("jobs-b", "1"), Object("jobs-a", "2")}), {}).changed);
  EXPECT_TRUE(objects.Update(Of({Object("jobs-a", "2")}), {}).changed);  // deleted: gone
  EXPECT_EQ(Names(objects), (std::vector<std::string>{"jobs-a"}));
}

TEST(PolicyObjectsTest, AnInvalidObjectIsNeverAppliedAndSaidOnce) {
  PolicyObjects objects;
  PolicyObjects::UpdateResult r = objects.Update(Of({Object("jobs-a", "1", /*bad=*/true)}), {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].pos.file, "isolationpolicy/jobs-a");
  EXPECT_GT(r.errors[0].pos.line, 0);
  EXPECT_THAT(r.errors[0].message, HasSubstr("never applied"));
  EXPECT_THAT(objects.policies(), IsEmpty());
  EXPECT_EQ(objects.invalid(), 1u);
  // The same content again: no new message.
  EXPECT_THAT(objects.Update(Of({Object("jobs-a", "1", true)}), {}).errors, IsEmpty());
  // Fixed: in force, no longer invalid.
  r = objects.Update(Of({Object("jobs-a", "2")}), {});
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(objects.invalid(), 0u);
}

TEST(PolicyObjectsTest, AnObjectThatBecomesInvalidKeepsItsLastGoodContent) {
  PolicyObjects objects;
  objects.Update(Of({Object("jobs-a", "1")}), {});
  PolicyObjects::UpdateResult r = objects.Update(Of({Object("jobs-a", "2", true)}), {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].message, HasSubstr("last good content stays in force"));
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(Names(objects), (std::vector<std::string>{"jobs-a"}));
  EXPECT_EQ(objects.invalid(), 1u);
}

TEST(PolicyObjectsTest, APolicyFileTakesItsNameFirst) {
  PolicyObjects objects;
  PolicyObjects::UpdateResult r = objects.Update(Of({Object("jobs-a", "1")}), {"jobs-a"});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].message, HasSubstr("a policy file defines \"jobs-a\" too"));
  EXPECT_THAT(objects.policies(), IsEmpty());
  // The file gives the name up: the same object is taken.
  r = objects.Update(Of({Object("jobs-a", "1")}), {});
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(Names(objects), (std::vector<std::string>{"jobs-a"}));
  // And a file that takes it later wins again.
  r = objects.Update(Of({Object("jobs-a", "1")}), {"jobs-a"});
  EXPECT_TRUE(r.changed);
  EXPECT_THAT(objects.policies(), IsEmpty());
}

}  // namespace
}  // namespace nsfence::kube
