// The compiler's handling of containers sections: per-policy actions, how
// several policies combine, and namespaces governed only for containers.
#include <linux/capability.h>

#include <string>
#include <vector>

#include "compile_inputs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/compiler.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint8_t kAllHostNs = NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET | NSFENCE_HOST_NS_IPC | NSFENCE_HOST_NS_MNT;

ContainersSpec Spec(Privileged privileged, CapabilityMask allowed = 0,
                    HostNamespaces host = HostNamespaces::kDeny) {
  return ContainersSpec{.privileged = privileged, .allowed_capabilities = allowed, .host_namespaces = host};
}

CapabilityMask Caps(std::initializer_list<int> caps) {
  CapabilityMask mask = 0;
  for (int cap : caps) mask |= CapabilityBit(cap);
  return mask;
}


TEST(CompilerContainersTest, DefaultsDenyPrivilegedAndHostNamespaces) {
  const CompiledContainers c = JobA({ContainersPolicy("p", kJobs, ContainersSpec{})}).containers;
  EXPECT_EQ(c, (CompiledContainers{.denied_caps = PrivilegedCapabilities(0),
                                   .host_ns_denied = kAllHostNs,
                                   .policy = "p",
                                   .devices = Mode::kEnforce}));
  EXPECT_NE(c.denied_caps & CapabilityBit(CAP_SYS_ADMIN), 0u);
  EXPECT_NE(c.denied_caps & CapabilityBit(CAP_NET_ADMIN), 0u);
  EXPECT_EQ(c.denied_caps & RuntimeDefaultCapabilities(), 0u) << "the runtime's defaults run";
  EXPECT_EQ(kAllHostNamespaces, kAllHostNs);
}

TEST(CompilerContainersTest, ContainersOnlyNamespacesAreGovernedWithUnrestrictedNetwork) {
  const absl::StatusOr<Compiled> c = Compile({ContainersPolicy("p", kJobs, ContainersSpec{})}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> governed;
  for (const auto& [ns, g] : c->governed) governed.push_back(ns);
  EXPECT_THAT(governed, ElementsAre("job-a", "job-b"));
  const GovernedNamespace& g = c->governed.at("job-a");
  EXPECT_FALSE(g.network_governed);
  EXPECT_EQ(g.attributed_policy, "");
  EXPECT_EQ(g.tls, CompiledTls{});
  ASSERT_EQ(c->rulesets.size(), 1u) << "job-a and job-b share the empty ruleset";
  EXPECT_THAT(c->rulesets.at(g.ruleset_key).rules, IsEmpty());
  EXPECT_THAT(c->rulesets.at(g.ruleset_key).policies, IsEmpty());
}

TEST(CompilerContainersTest, PrivilegedAllowGovernsAndJudgesNothing) {
  const absl::StatusOr<Compiled> c =
      Compile({ContainersPolicy("p", kJobs, Spec(Privileged::kAllow, 0, HostNamespaces::kDeny))}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->governed.contains("job-a"));
  EXPECT_FALSE(c->governed.at("job-a").network_governed);
  EXPECT_EQ(c->governed.at("job-a").containers, CompiledContainers{}) << "hostNamespaces means nothing then";
}

TEST(CompilerContainersTest, PolicyWithoutContainersSectionImposesNoChecks) {
  Policy network = NetworkPolicy("net", kJobs);
  Policy tls = TlsPolicy("tls", Labelled(kNamespaceNameLabel, "api"), TlsVersion::kTls12);
  const absl::StatusOr<Compiled> c = Compile({network, tls}, kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->governed.at("job-a").containers, CompiledContainers{});
  EXPECT_EQ(c->governed.at("api").containers, CompiledContainers{});
}

TEST(CompilerContainersTest, AllowedCapabilitiesAndHostNamespacesAllowAreNotJudged) {
  const CompiledContainers c =
      JobA({ContainersPolicy("p", kJobs,
                             Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN, CAP_SYS_PTRACE}), HostNamespaces::kAllow))})
          .containers;
  EXPECT_EQ(c.denied_caps, PrivilegedCapabilities(Caps({CAP_NET_ADMIN, CAP_SYS_PTRACE})));
  EXPECT_EQ(c.denied_caps & Caps({CAP_NET_ADMIN, CAP_SYS_PTRACE}), 0u);
  EXPECT_NE(c.denied_caps & CapabilityBit(CAP_SYS_MODULE), 0u);
  EXPECT_EQ(c.host_ns_denied, 0);
  EXPECT_EQ(c.policy, "p");
  EXPECT_EQ(c.devices, Mode::kEnforce);
}

TEST(CompilerContainersTest, AuditModeTurnsDenyIntoAudit) {
  const CompiledContainers c =
      JobA({ContainersPolicy("trial", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN})), Mode::kAudit)})
          .containers;
  EXPECT_EQ(c, (CompiledContainers{.audited_caps = PrivilegedCapabilities(Caps({CAP_NET_ADMIN})),
                                   .host_ns_audited = kAllHostNs,
                                   .audit_policy = "trial",
                                   .devices = Mode::kAudit}));
}

TEST(CompilerContainersTest, PrivilegedAuditAuditsInAnEnforcePolicy) {
  const CompiledContainers c = JobA({ContainersPolicy("trial", kJobs, Spec(Privileged::kAudit))}).containers;
  EXPECT_EQ(c, (CompiledContainers{.audited_caps = PrivilegedCapabilities(0),
                                   .host_ns_audited = kAllHostNs,
                                   .audit_policy = "trial",
                                   .devices = Mode::kAudit}));
}

TEST(CompilerContainersTest, PrivilegedAllowInAnAuditPolicyJudgesNothing) {
  EXPECT_EQ(JobA({ContainersPolicy("p", kJobs, Spec(Privileged::kAllow), Mode::kAudit)}).containers,
            CompiledContainers{});
}

TEST(CompilerContainersTest, WhatOnePolicyAllowsAnotherStillDenies) {
  const CompiledContainers c =
      JobA({ContainersPolicy("a", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN, CAP_SYS_PTRACE}))),
            ContainersPolicy("b", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN}), HostNamespaces::kAllow))})
          .containers;
  EXPECT_EQ(c.denied_caps, PrivilegedCapabilities(Caps({CAP_NET_ADMIN}))) << "b denies SYS_PTRACE";
  EXPECT_EQ(c.host_ns_denied, kAllHostNs) << "a denies host namespaces";
  EXPECT_EQ(c.audited_caps, 0u);
  EXPECT_EQ(c.policy, "a");
}

TEST(CompilerContainersTest, AuditReportsOnlyWhatDenyLetsRun) {
  const Policy deny = ContainersPolicy("strict", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN}), HostNamespaces::kAllow));
  const Policy audit = ContainersPolicy("trial", kJobs, Spec(Privileged::kAudit));
  CompiledContainers c = JobA({deny, audit}).containers;
  EXPECT_EQ(c.denied_caps, PrivilegedCapabilities(Caps({CAP_NET_ADMIN})));
  EXPECT_EQ(c.audited_caps, Caps({CAP_NET_ADMIN})) << "allowed by strict, audited by trial";
  EXPECT_EQ(c.host_ns_denied, 0);
  EXPECT_EQ(c.host_ns_audited, kAllHostNs);
  EXPECT_EQ(c.policy, "strict");
  EXPECT_EQ(c.audit_policy, "trial");
  EXPECT_EQ(c.devices, Mode::kEnforce) << "any deny policy enforces the device guard";

  // Audit wider than deny in nothing: it reports nothing, but is still named.
  c = JobA({ContainersPolicy("strict", kJobs, ContainersSpec{}),
            ContainersPolicy("trial", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN})), Mode::kAudit)})
          .containers;
  EXPECT_EQ(c.denied_caps, PrivilegedCapabilities(0));
  EXPECT_EQ(c.audited_caps, 0u);
  EXPECT_EQ(c.host_ns_denied, kAllHostNs);
  EXPECT_EQ(c.host_ns_audited, 0);
  EXPECT_EQ(c.audit_policy, "trial");
}

TEST(CompilerContainersTest, NamesTheFirstDenyAndTheFirstAuditPolicyByName) {
  const CompiledContainers c = JobA({ContainersPolicy("e-audit", kJobs, Spec(Privileged::kAudit)),
                                     ContainersPolicy("c-deny", kJobs, ContainersSpec{}),
                                     ContainersPolicy("a-allow", kJobs, Spec(Privileged::kAllow)),
                                     ContainersPolicy("d-audit-mode", kJobs, ContainersSpec{}, Mode::kAudit),
                                     ContainersPolicy("b-deny", kJobs, ContainersSpec{})})
                                   .containers;
  EXPECT_EQ(c.policy, "b-deny");
  EXPECT_EQ(c.audit_policy, "d-audit-mode");
}

TEST(CompilerContainersTest, AllowPolicyDoesNotWeakenADenyPolicy) {
  const CompiledContainers c = JobA({ContainersPolicy("a-allow", kJobs, Spec(Privileged::kAllow)),
                                     ContainersPolicy("b-deny", kJobs, ContainersSpec{})})
                                   .containers;
  EXPECT_EQ(c, (CompiledContainers{.denied_caps = PrivilegedCapabilities(0),
                                   .host_ns_denied = kAllHostNs,
                                   .policy = "b-deny",
                                   .devices = Mode::kEnforce}));
}

TEST(CompilerContainersTest, EachNamespaceCombinesTheContainersSectionsSelectingIt) {
  const absl::StatusOr<Compiled> c =
      Compile({ContainersPolicy("jobs", kJobs, Spec(Privileged::kDeny, Caps({CAP_NET_ADMIN}))),
               ContainersPolicy("only-a", Labelled(kNamespaceNameLabel, "job-a"), Spec(Privileged::kAudit))},
              kCluster);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->governed.at("job-a").containers.audited_caps, Caps({CAP_NET_ADMIN}));
  EXPECT_EQ(c->governed.at("job-b").containers.audited_caps, 0u);
  EXPECT_EQ(c->governed.at("job-b").containers.audit_policy, "");
  EXPECT_FALSE(c->governed.contains("api"));
}

TEST(CompilerContainersTest, NetworkAndTlsSemanticsDoNotChangeWithContainers) {
  Policy network = NetworkPolicy("net", kJobs, Mode::kAudit);
  network.network->egress.push_back({.peers = {ToNamespace("api")}});
  const Policy tls = TlsPolicy("tls", kJobs, TlsVersion::kTls13);
  const GovernedNamespace without = JobA({network, tls});
  const GovernedNamespace with = JobA({network, tls, ContainersPolicy("containers", kJobs, ContainersSpec{})});
  EXPECT_TRUE(with.network_governed);
  EXPECT_EQ(with.mode, Mode::kAudit) << "an enforce containers section does not make the network enforce";
  EXPECT_EQ(with.attributed_policy, "net");
  EXPECT_EQ(with.ruleset_key, without.ruleset_key) << "containers sections hold no rules";
  EXPECT_EQ(with.tls, without.tls);
  EXPECT_EQ(with.containers.policy, "containers");

  // In one policy with a network section too.
  network.mode = Mode::kEnforce;
  const std::string network_only = JobA({network}).ruleset_key;
  network.containers = Spec(Privileged::kDeny);
  const GovernedNamespace one = JobA({network});
  EXPECT_TRUE(one.network_governed);
  EXPECT_EQ(one.ruleset_key, network_only);
  EXPECT_EQ(one.containers.policy, "net");
  EXPECT_EQ(one.containers.devices, Mode::kEnforce);
}

}  // namespace
}  // namespace nsfence::policy
