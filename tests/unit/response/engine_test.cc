// Response thresholds: sliding windows per pod and rule, attribution, plans.
#include "response/engine.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "response/plan.h"

namespace nsfence::response {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

policy::ResponseRule Rule(policy::ViolationKind kind, uint32_t count, absl::Duration within,
                          policy::ResponseAction action = policy::ResponseAction::kQuarantine) {
  return policy::ResponseRule{.kind = kind, .count = count, .within = within, .action = action};
}

ResponsePlan PlanOf(std::vector<PlannedRule> rules, const std::string& ns = "team-a") {
  ResponsePlan plan;
  plan[ns] = std::move(rules);
  return plan;
}

Violation Net(absl::Duration at, uint64_t cgroup = 7, const std::string& pod = "web") {
  return Violation{.kind = policy::ViolationKind::kNetwork,
                   .namespace_name = "team-a",
                   .pod = pod,
                   .pod_cgroup_id = cgroup,
                   .time = kT0 + at};
}

// How many of `n` violations, one every `step`, made the engine fire.
size_t Fires(ResponseEngine& engine, int n, absl::Duration step, absl::Duration start = absl::ZeroDuration()) {
  size_t fired = 0;
  for (int i = 0; i < n; ++i) fired += engine.Observe(Net(start + step * i)).size();
  return fired;
}

TEST(ResponseEngineTest, FiresOnTheCountthViolationWithinTheWindow) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 3, absl::Seconds(60))}}));
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(0))), IsEmpty());
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(10))), IsEmpty());
  const std::vector<Trigger> fired = engine.Observe(Net(absl::Seconds(20)));
  ASSERT_THAT(fired, SizeIs(1));
  EXPECT_EQ(fired[0].rule.policy, "p");
  EXPECT_EQ(fired[0].namespace_name, "team-a");
  EXPECT_EQ(fired[0].pod, "web");
  EXPECT_EQ(fired[0].pod_cgroup_id, 7u);
  EXPECT_EQ(fired[0].count, 3u);
  EXPECT_EQ(fired[0].first, kT0);
  EXPECT_EQ(fired[0].last, kT0 + absl::Seconds(20));
}

TEST(ResponseEngineTest, ViolationsOlderThanTheWindowDoNotCount) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 3, absl::Seconds(60))}}));
  // One every 30 s: any three span 60 s, which is not within 60 s.
  EXPECT_EQ(Fires(engine, 10, absl::Seconds(30)), 0u);
  // One every 29 s: three span 58 s.
  ResponseEngine fresh;
  fresh.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 3, absl::Seconds(60))}}));
  EXPECT_EQ(Fires(fresh, 9, absl::Seconds(29)), 3u) << "fires, starts afresh, fires again";
}

TEST(ResponseEngineTest, CountsStartAfreshAfterFiring) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 20, absl::Seconds(60))}}));
  EXPECT_EQ(Fires(engine, 19, absl::Milliseconds(1)), 0u);
  EXPECT_EQ(Fires(engine, 1, absl::Milliseconds(1), absl::Milliseconds(19)), 1u);
  EXPECT_EQ(Fires(engine, 19, absl::Milliseconds(1), absl::Milliseconds(20)), 0u);
  EXPECT_EQ(Fires(engine, 1, absl::Milliseconds(1), absl::Milliseconds(39)), 1u);
  EXPECT_EQ(engine.windows(), 0u) << "a window that fired is cleared";
}

TEST(ResponseEngineTest, PodsAndKindsAreCountedApart) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 2, absl::Seconds(60))}}));
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(1), 7, "web")), IsEmpty());
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(2), 8, "db")), IsEmpty()) << "another pod's first";
  Violation tls = Net(absl::Seconds(3));
  tls.kind = policy::ViolationKind::kTls;
  EXPECT_THAT(engine.Observe(tls), IsEmpty()) << "another kind does not count";
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(4), 7, "web")), SizeIs(1));
}

TEST(ResponseEngineTest, EveryMatchingRuleFiresInPlanOrder) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({
      {.policy = "a", .rule = Rule(policy::ViolationKind::kPrivileged, 1, absl::Seconds(60),
                                   policy::ResponseAction::kKillPodProcesses)},
      {.policy = "b", .index = 0, .rule = Rule(policy::ViolationKind::kPrivileged, 1, absl::Seconds(60))},
  }));
  Violation v = Net(absl::ZeroDuration());
  v.kind = policy::ViolationKind::kPrivileged;
  const std::vector<Trigger> fired = engine.Observe(v);
  ASSERT_THAT(fired, SizeIs(2));
  EXPECT_EQ(fired[0].rule.policy, "a");
  EXPECT_EQ(fired[0].rule.rule.action, policy::ResponseAction::kKillPodProcesses);
  EXPECT_EQ(fired[1].rule.policy, "b");
}

TEST(ResponseEngineTest, NamespacesWithoutRulesAreIgnored) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 1, absl::Seconds(60))}},
                        "other"));
  EXPECT_THAT(engine.Observe(Net(absl::ZeroDuration())), IsEmpty());
  EXPECT_EQ(engine.windows(), 0u);
}

TEST(ResponseEngineTest, ForgetAndRetainRestartCounts) {
  ResponseEngine engine;
  engine.SetPlan(PlanOf({{.policy = "p", .rule = Rule(policy::ViolationKind::kNetwork, 2, absl::Seconds(60))}}));
  engine.Observe(Net(absl::Seconds(1), 7));
  engine.Observe(Net(absl::Seconds(1), 8, "db"));
  engine.Forget(7);
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(2), 7)), IsEmpty()) << "released: counting from zero";
  engine.RetainPods({7});
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(3), 8, "db")), IsEmpty()) << "db left and came back";
  EXPECT_THAT(engine.Observe(Net(absl::Seconds(3), 7)), SizeIs(1));
}

TEST(ResponseEngineTest, ANewPlanKeepsCountsOfUnchangedRulesOnly) {
  const PlannedRule kept{.policy = "kept", .rule = Rule(policy::ViolationKind::kNetwork, 2, absl::Seconds(60))};
  const PlannedRule changed{.policy = "changed", .rule = Rule(policy::ViolationKind::kNetwork, 2, absl::Seconds(60))};
  ResponseEngine engine;
  engine.SetPlan(PlanOf({kept, changed}));
  engine.Observe(Net(absl::Seconds(1)));
  PlannedRule stricter = changed;
  stricter.rule.within = absl::Seconds(30);
  engine.SetPlan(PlanOf({kept, stricter}));
  const std::vector<Trigger> fired = engine.Observe(Net(absl::Seconds(2)));
  ASSERT_THAT(fired, SizeIs(1));
  EXPECT_EQ(fired[0].rule.policy, "kept");
}

events::Event EventOf(const std::string& kind, const std::string& direction, const std::string& reason = "") {
  events::Event e;
  e.set_kind(kind);
  e.set_direction(direction);
  e.set_reason(reason);
  e.set_namespace_("team-a");
  e.set_pod("web");
  e.mutable_time()->set_seconds(1'800'000'000);
  e.mutable_time()->set_nanos(5);
  return e;
}

TEST(AttributedViolationTest, CountsWhatThePodDid) {
  const std::optional<Violation> egress = AttributedViolation(EventOf("network", "egress"), 42);
  ASSERT_TRUE(egress.has_value());
  EXPECT_EQ(egress->kind, policy::ViolationKind::kNetwork);
  EXPECT_EQ(egress->pod, "web");
  EXPECT_EQ(egress->pod_cgroup_id, 42u);
  EXPECT_EQ(egress->time, kT0 + absl::Nanoseconds(5));
  EXPECT_FALSE(AttributedViolation(EventOf("network", "ingress"), 42)) << "being reached is not the pod's doing";
  EXPECT_TRUE(AttributedViolation(EventOf("tls", "egress", "client_offers_below_floor"), 42));
  EXPECT_TRUE(AttributedViolation(EventOf("tls", "ingress", "server_selected_below_floor"), 42));
  EXPECT_FALSE(AttributedViolation(EventOf("tls", "ingress", "client_offers_below_floor"), 42));
  EXPECT_EQ(AttributedViolation(EventOf("privileged", ""), 42)->kind, policy::ViolationKind::kPrivileged);
  EXPECT_EQ(AttributedViolation(EventOf("device", ""), 42)->kind, policy::ViolationKind::kDevice);
  EXPECT_FALSE(AttributedViolation(EventOf("response", ""), 42));
  events::Event unnamed = EventOf("network", "egress");
  unnamed.clear_pod();
  EXPECT_FALSE(AttributedViolation(unnamed, 42)) << "a pod the inventory does not name";
}

TEST(BuildPlanTest, PoliciesSelectNamespacesByLabelsInNameOrder) {
  inventory::Inventory inv;
  inv.namespaces.push_back({.name = "team-a", .labels = {{"tier", "jobs"}}});
  inv.namespaces.push_back({.name = "system", .labels = {{"tier", "core"}}});
  policy::Policy zeta{.name = "zeta"};
  zeta.namespace_selector.match_labels = {{"tier", "jobs"}};
  zeta.mode = policy::Mode::kAudit;
  zeta.response = {Rule(policy::ViolationKind::kNetwork, 5, absl::Seconds(10)),
                   Rule(policy::ViolationKind::kTls, 1, absl::Seconds(60))};
  policy::Policy alpha{.name = "alpha"};  // selects every namespace
  alpha.response = {Rule(policy::ViolationKind::kPrivileged, 1, absl::Seconds(60),
                         policy::ResponseAction::kKillPodProcesses)};
  policy::Policy silent{.name = "silent"};  // no response: not planned
  const ResponsePlan plan = BuildPlan({zeta, alpha, silent}, inv);
  ASSERT_TRUE(plan.contains("team-a"));
  std::vector<std::string> names;
  for (const PlannedRule& r : plan.at("team-a")) names.push_back(r.policy + "#" + std::to_string(r.index));
  EXPECT_THAT(names, ElementsAre("alpha#0", "zeta#0", "zeta#1"));
  EXPECT_FALSE(plan.at("team-a")[0].audit);
  EXPECT_TRUE(plan.at("team-a")[1].audit) << "an audit policy only reports";
  ASSERT_TRUE(plan.contains("system"));
  EXPECT_THAT(plan.at("system"), SizeIs(1));
}

}  // namespace
}  // namespace nsfence::response
