// The parser's handling of spec.response.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parse_inputs.h"
#include "policy/parser.h"
#include "support/diagnostic_texts.h"

namespace nsfence::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<ResponseRule> ParsedResponse(const std::string& more) {
  const ParseResult result = ParsePolicies(PolicyWith(more), "f.yaml");
  EXPECT_THAT(result.diagnostics, IsEmpty()) << (result.ok() ? "" : ::nsfence::testing::Texts(result.diagnostics)[0]);
  if (!result.ok() || result.policies.empty()) return {};
  return result.policies[0].response;
}

TEST(ParseResponseTest, ReadsTheIssueExample) {
  const std::vector<ResponseRule> rules = ParsedResponse(
      "  response:\n"
      "    - when: {kind: network, count: 20, within: 60s}\n"
      "      action: quarantine\n"
      "    - when: {kind: privileged}\n"
      "      action: kill-pod-processes\n");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].kind, ViolationKind::kNetwork);
  EXPECT_EQ(rules[0].count, 20u);
  EXPECT_EQ(rules[0].within, absl::Seconds(60));
  EXPECT_EQ(rules[0].action, ResponseAction::kQuarantine);
  EXPECT_EQ(rules[0].pos.ToString(), "f.yaml:8:7");
  EXPECT_EQ(rules[1].kind, ViolationKind::kPrivileged);
  EXPECT_EQ(rules[1].count, 1u) << "count defaults to 1";
  EXPECT_EQ(rules[1].within, absl::Seconds(60)) << "within defaults to 60s";
  EXPECT_EQ(rules[1].action, ResponseAction::kKillPodProcesses);
}

TEST(ParseResponseTest, ReadsEveryKindAndDurationSpelling) {
  const std::vector<ResponseRule> rules = ParsedResponse(
      "  response:\n"
      "    - {when: {kind: tls, within: 5m}, action: quarantine}\n"
      "    - {when: {kind: device, within: 1h30m}, action: quarantine}\n");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].kind, ViolationKind::kTls);
  EXPECT_EQ(rules[0].within, absl::Minutes(5));
  EXPECT_EQ(rules[1].kind, ViolationKind::kDevice);
  EXPECT_EQ(rules[1].within, absl::Minutes(90));
}

TEST(ParseResponseTest, AbsentResponseIsEmpty) {
  EXPECT_THAT(ParsedResponse("  network: {}\n"), IsEmpty());
}

TEST(ParseResponseTest, ReportsEveryMistakeWithItsPosition) {
  const std::vector<std::string> errors = Errors(PolicyWith(
      "  response:\n"
      "    - when: {kind: netwrk, count: 0, within: 500ms}\n"
      "      action: quarantine\n"
      "    - when: {kind: tls, within: 2d}\n"
      "      action: evict\n"
      "    - action: quarantine\n"
      "    - when: {kind: tls}\n"
      "      action: quarantine\n"
      "      for: 10m\n"));
  EXPECT_THAT(errors,
              ElementsAre(
                  "f.yaml:8:20: spec.response[0].when.kind: expected one of network, tls, privileged, device, got "
                  "\"netwrk\"",
                  "f.yaml:8:35: spec.response[0].when.count: expected an integer from 1 to 10000, got 0",
                  "f.yaml:8:46: spec.response[0].when.within: expected a duration of whole seconds from 1s to 24h, "
                  "e.g. \"30s\", \"5m\", \"1h\", got \"500ms\"",
                  "f.yaml:10:33: spec.response[1].when.within: expected a duration of whole seconds from 1s to 24h, "
                  "e.g. \"30s\", \"5m\", \"1h\", got \"2d\"",
                  "f.yaml:11:15: spec.response[1].action: expected one of quarantine, kill-pod-processes, got "
                  "\"evict\"",
                  "f.yaml:12:7: missing required field \"when\" in spec.response[2]",
                  "f.yaml:15:7: unknown field \"for\" in spec.response[3] (expected one of: when, action)"));
}

}  // namespace
}  // namespace nsfence::policy
