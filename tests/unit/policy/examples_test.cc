// The example policies shipped in policies/ are valid and compile.
#include <linux/capability.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/compiler.h"
#include "policy/store.h"

namespace nsfence::policy {
namespace {

const Policy* Find(const std::vector<Policy>& policies, const std::string& name) {
  for (const Policy& p : policies) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TEST(ExamplePoliciesTest, EveryExampleIsValidAndCompiles) {
  const absl::StatusOr<std::vector<Policy>> policies = LoadPoliciesOnce({NSFENCE_SOURCE_DIR "/policies"});
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  EXPECT_NE(Find(*policies, "workflow-jobs"), nullptr);
  EXPECT_NE(Find(*policies, "tls-floor"), nullptr);

  inventory::Inventory inventory;
  inventory.namespaces = {{.name = "job-a", .labels = {{kNamespaceNameLabel, "job-a"}, {"nsfence.io/tier", "job"}}},
                          {.name = "platform-api", .labels = {{kNamespaceNameLabel, "platform-api"}}}};
  const absl::StatusOr<Compiled> compiled = Compile(*policies, inventory);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  ASSERT_TRUE(compiled->governed.contains("job-a"));
  EXPECT_TRUE(compiled->governed.at("job-a").network_governed);
}

TEST(ExamplePoliciesTest, NoPrivilegedContainersDeniesAllButTheDefaultsAndPtrace) {
  const absl::StatusOr<std::vector<Policy>> policies =
      LoadPoliciesOnce({NSFENCE_SOURCE_DIR "/policies/no-privileged-containers.yaml"});
  ASSERT_TRUE(policies.ok()) << policies.status().message();
  ASSERT_EQ(policies->size(), 1u);
  const Policy& p = policies->front();
  EXPECT_EQ(p.name, "no-privileged-containers");
  EXPECT_FALSE(p.network.has_value());
  ASSERT_TRUE(p.containers.has_value());
  EXPECT_EQ(p.containers->privileged, Privileged::kDeny);
  EXPECT_EQ(p.containers->allowed_capabilities, CapabilityBit(CAP_SYS_PTRACE));
  EXPECT_EQ(p.containers->host_namespaces, HostNamespaces::kDeny);
}

}  // namespace
}  // namespace nsfence::policy
