// The parser's handling of spec.containers.
#include <linux/capability.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/parser.h"
#include "parse_inputs.h"
#include "support/diagnostic_texts.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ::nsfence::testing::Texts;

ContainersSpec ParsedContainers(const std::string& more) {
  const ParseResult result = ParsePolicies(PolicyWith(more), "f.yaml");
  EXPECT_THAT(result.diagnostics, IsEmpty()) << (result.ok() ? "" : Texts(result.diagnostics)[0]);
  if (!result.ok() || result.policies.empty() || !result.policies[0].containers) {
    ADD_FAILURE() << "no containers section";
    return {};
  }
  return *result.policies[0].containers;
}

constexpr char kSpelling[] =
    "expected a Linux capability as capabilities(7) names it, with or without CAP_, in any case, e.g. "
    "NET_ADMIN, CAP_SYS_PTRACE, net_raw";

TEST(ParseContainersTest, EmptySectionDeniesPrivilegedAndHostNamespaces) {
  const ContainersSpec c = ParsedContainers("  containers: {}\n");
  EXPECT_EQ(c.privileged, Privileged::kDeny);
  EXPECT_EQ(c.allowed_capabilities, 0u);
  EXPECT_EQ(c.host_namespaces, HostNamespaces::kDeny);
  EXPECT_EQ(c.pos.ToString(), "f.yaml:7:15");
}

TEST(ParseContainersTest, AbsentSectionImposesNothing) {
  const ParseResult result = ParsePolicies(PolicyWith("  network: {}\n"), "f.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.policies.at(0).containers.has_value());
}

TEST(ParseContainersTest, ReadsEveryField) {
  const ContainersSpec c = ParsedContainers("  mode: audit\n"
                                            "  containers:\n"
                                            "    privileged: audit\n"
                                            "    allowedCapabilities: [NET_BIND_SERVICE, NET_ADMIN]\n"
                                            "    hostNamespaces: allow\n");
  EXPECT_EQ(c.privileged, Privileged::kAudit);
  EXPECT_EQ(c.allowed_capabilities, CapabilityBit(CAP_NET_BIND_SERVICE) | CapabilityBit(CAP_NET_ADMIN));
  EXPECT_EQ(c.host_namespaces, HostNamespaces::kAllow);
  EXPECT_EQ(c.pos.ToString(), "f.yaml:9:5");
  EXPECT_EQ(ParsedContainers("  containers: {privileged: allow}\n").privileged, Privileged::kAllow);
  EXPECT_EQ(ParsedContainers("  containers: {privileged: deny, hostNamespaces: deny}\n").host_namespaces,
            HostNamespaces::kDeny);
}

TEST(ParseContainersTest, CapabilitiesTakeCapPrefixAnyCaseAndRepeats) {
  const ContainersSpec c = ParsedContainers(
      "  containers:\n"
      "    allowedCapabilities: [net_admin, CAP_NET_ADMIN, Cap_Sys_Ptrace, \"CAP_BPF\", NET_ADMIN, chown]\n");
  EXPECT_EQ(c.allowed_capabilities,
            CapabilityBit(CAP_NET_ADMIN) | CapabilityBit(CAP_SYS_PTRACE) | CapabilityBit(CAP_BPF) |
                CapabilityBit(CAP_CHOWN));
  EXPECT_EQ(ParsedContainers("  containers: {allowedCapabilities: []}\n").allowed_capabilities, 0u);
}

TEST(ParseContainersTest, UnknownCapabilityIsAnErrorAtTheItem) {
  EXPECT_THAT(
      Errors(PolicyWith("  containers:\n"
                        "    allowedCapabilities:\n"
                        "      - NET_ADMIN\n"
                        "      - NET_ADMN\n"
                        "      - cap_sys_ptrac\n"
                        "      - FROBNICATE\n"
                        "      - CAP_\n"
                        "      - 12\n")),
      ElementsAre(
          absl::StrCat("f.yaml:10:9: spec.containers.allowedCapabilities[1]: unknown capability \"NET_ADMN\" "
                       "(did you mean NET_ADMIN? ",
                       kSpelling, ")"),
          absl::StrCat("f.yaml:11:9: spec.containers.allowedCapabilities[2]: unknown capability "
                       "\"cap_sys_ptrac\" (did you mean SYS_PTRACE? ",
                       kSpelling, ")"),
          absl::StrCat("f.yaml:12:9: spec.containers.allowedCapabilities[3]: unknown capability \"FROBNICATE\" (",
                       kSpelling, ")"),
          absl::StrCat("f.yaml:13:9: spec.containers.allowedCapabilities[4]: unknown capability \"CAP_\" (",
                       kSpelling, ")"),
          absl::StrCat("f.yaml:14:9: spec.containers.allowedCapabilities[5]: unknown capability \"12\" (",
                       kSpelling, ")")));
}

TEST(ParseContainersTest, ShortNamesAreSuggestedOnlyOneEditAway) {
  EXPECT_THAT(Errors(PolicyWith("  containers: {allowedCapabilities: [KIL, ALLL]}\n")),
              ElementsAre(absl::StrCat("f.yaml:7:38: spec.containers.allowedCapabilities[0]: unknown capability "
                                       "\"KIL\" (did you mean KILL? ",
                                       kSpelling, ")"),
                          absl::StrCat("f.yaml:7:43: spec.containers.allowedCapabilities[1]: unknown capability "
                                       "\"ALLL\" (",
                                       kSpelling, ")")));
}

TEST(ParseContainersTest, SysAdminCannotBeAllowed) {
  constexpr char kMessage[] =
      "CAP_SYS_ADMIN always counts as privileged and cannot be allowed (remove it; for pods that need it, "
      "set privileged: audit or allow)";
  EXPECT_THAT(Errors(PolicyWith("  containers:\n"
                                "    allowedCapabilities: [NET_ADMIN, SYS_ADMIN, cap_sys_admin]\n")),
              ElementsAre(absl::StrCat("f.yaml:8:38: spec.containers.allowedCapabilities[1]: ", kMessage),
                          absl::StrCat("f.yaml:8:49: spec.containers.allowedCapabilities[2]: ", kMessage)));
}

TEST(ParseContainersTest, AllCannotBeAllowed) {
  EXPECT_THAT(Errors(PolicyWith("  containers: {allowedCapabilities: [all]}\n")),
              ElementsAre("f.yaml:7:38: spec.containers.allowedCapabilities[0]: ALL cannot be allowed, it "
                          "holds CAP_SYS_ADMIN (list the capabilities the pods need, e.g. NET_ADMIN)"));
}

TEST(ParseContainersTest, UnknownField) {
  EXPECT_THAT(Errors(PolicyWith("  containers:\n"
                                "    privileged: deny\n"
                                "    capabilities: [NET_ADMIN]\n")),
              ElementsAre("f.yaml:9:5: unknown field \"capabilities\" in spec.containers (expected one of: "
                          "privileged, allowedCapabilities, hostNamespaces)"));
}

TEST(ParseContainersTest, BadEnumValuesListTheAllowedOnes) {
  EXPECT_THAT(Errors(PolicyWith("  containers:\n"
                                "    privileged: block\n"
                                "    hostNamespaces: audit\n")),
              ElementsAre("f.yaml:8:17: spec.containers.privileged: expected one of deny, audit, allow, got "
                          "\"block\"",
                          "f.yaml:9:21: spec.containers.hostNamespaces: expected one of deny, allow, got "
                          "\"audit\""));
  EXPECT_THAT(Errors(PolicyWith("  containers: {privileged: false}\n")),
              ElementsAre("f.yaml:7:28: spec.containers.privileged: expected one of deny, audit, allow, got "
                          "\"false\""));
}

TEST(ParseContainersTest, WrongTypes) {
  EXPECT_THAT(Errors(PolicyWith("  containers: [privileged]\n")),
              ElementsAre("f.yaml:7:15: spec.containers: expected a mapping, got a sequence"));
  EXPECT_THAT(Errors(PolicyWith("  containers: {allowedCapabilities: NET_ADMIN}\n")),
              ElementsAre("f.yaml:7:37: spec.containers.allowedCapabilities: expected a sequence, got "
                          "\"NET_ADMIN\""));
  EXPECT_THAT(Errors(PolicyWith("  containers: {allowedCapabilities: [{name: NET_ADMIN}]}\n")),
              ElementsAre("f.yaml:7:38: spec.containers.allowedCapabilities[0]: expected a string, got a "
                          "mapping"));
}

TEST(ParseContainersTest, ErrorsOfEverySectionAreReportedTogether) {
  EXPECT_THAT(Errors(PolicyWith("  tls: {minVersion: 1.4}\n"
                                "  containers: {allowedCapabilities: [SYS_ADMN]}\n")),
              ElementsAre(::testing::StartsWith("f.yaml:7:21: spec.tls.minVersion:"),
                          ::testing::StartsWith("f.yaml:8:38: spec.containers.allowedCapabilities[0]: unknown "
                                                "capability \"SYS_ADMN\" (did you mean SYS_ADMIN?")));
}

}  // namespace
}  // namespace nsfence::policy
