#include "inventory/parser.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "support/diagnostic_texts.h"
#include "gtest/gtest.h"

namespace nsfence::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

using ::nsfence::testing::Texts;

IpAddress Ip(absl::string_view text) { return IpAddress::Parse(text).value(); }

// The diagnostics of parsing `text` as inv.yaml.
std::vector<std::string> Errors(const std::string& text) {
  const ParseResult result = ParseInventory(text, "inv.yaml");
  EXPECT_THAT(result.inventory.namespaces, IsEmpty()) << "nothing of a file with errors is valid";
  EXPECT_THAT(result.inventory.pods, IsEmpty());
  return Texts(result.diagnostics);
}

// Namespace job-a at line 2, then `pods`, starting on line 3.
std::string WithPods(const std::string& pods) {
  return "namespaces: [{name: job-a}]\n"
         "pods:\n" +
         pods;
}

TEST(ParseInventoryTest, ParsesTheExample) {
  std::stringstream text;
  text << std::ifstream(NSFENCE_SOURCE_DIR "/tests/unit/inventory/testdata/inventory.yaml").rdbuf();
  const ParseResult result = ParseInventory(text.str(), "inventory.yaml");
  ASSERT_THAT(result.diagnostics, IsEmpty()) << Texts(result.diagnostics)[0];
  const Inventory& inventory = result.inventory;

  ASSERT_THAT(inventory.namespaces, SizeIs(2));
  EXPECT_EQ(inventory.namespaces[0].name, "job-a");
  EXPECT_THAT(
      inventory.namespaces[0].labels,
      ElementsAre(Pair("kubernetes.io/metadata.name", "job-a"), Pair("nsfence.io/tier", "job")));
  EXPECT_EQ(inventory.namespaces[0].pos.ToString(), "inventory.yaml:3:5");
  EXPECT_EQ(inventory.namespaces[1].name, "platform-api");
  EXPECT_THAT(inventory.namespaces[1].labels,
              ElementsAre(Pair("kubernetes.io/metadata.name", "platform-api")));

  ASSERT_THAT(inventory.pods, SizeIs(2));
  const Pod& runner = inventory.pods[0];
  EXPECT_EQ(runner.name, "runner");
  EXPECT_EQ(runner.namespace_name, "job-a");
  EXPECT_EQ(runner.uid, "6f1c0b8e-0001");
  EXPECT_THAT(runner.ips, ElementsAre(Ip("10.200.1.2"), Ip("fd00:200::1:2")));
  EXPECT_EQ(runner.cgroup, "nsfence-demo/job-a/runner");
  EXPECT_EQ(runner.pos.ToString(), "inventory.yaml:6:5");
  EXPECT_EQ(inventory.pods[1].name, "api-0");
  EXPECT_EQ(inventory.pods[1].cgroup, "") << "a pod on another node";

  EXPECT_THAT(inventory.host_cidrs,
              ElementsAre(Cidr::Parse("10.0.0.0/24").value(), Cidr::Parse("fd00:1::/64").value()));
}

TEST(ParseInventoryTest, EverythingIsOptionalButTheFileMustSaySo) {
  const ParseResult result = ParseInventory("namespaces: []\n", "inv.yaml");
  EXPECT_THAT(result.diagnostics, IsEmpty());
  EXPECT_THAT(Errors("# nothing\n"),
              ElementsAre("inv.yaml: no inventory (expected a mapping of namespaces, pods and "
                          "hostCIDRs)"));
}

TEST(ParseInventoryTest, OneDocumentOnly) {
  EXPECT_THAT(Errors("namespaces: []\n---\npods: []\n"),
              ElementsAre("inv.yaml:3:1: expected one inventory document, found another"));
}

TEST(ParseInventoryTest, UnknownFields) {
  EXPECT_THAT(Errors("namespaces: [{name: a, uid: x}]\nnodes: []\n"),
              ElementsAre("inv.yaml:1:24: unknown field \"uid\" in namespaces[0] (expected one "
                          "of: name, labels)",
                          "inv.yaml:2:1: unknown field \"nodes\" (expected one of: namespaces, "
                          "pods, hostCIDRs)"));
}

TEST(ParseInventoryTest, NamespaceNames) {
  EXPECT_THAT(Errors("namespaces:\n  - {name: job-a}\n  - {name: Job_B}\n  - {name: job-a}\n"
                     "  - {labels: {}}\n"),
              ElementsAre("inv.yaml:3:12: namespaces[1].name: \"Job_B\" is not a valid DNS-1123 "
                          "label (at most 63 characters of a-z, 0-9 and '-', starting and ending "
                          "with a letter or digit)",
                          "inv.yaml:4:12: namespace \"job-a\" is already listed at inv.yaml:2:12",
                          "inv.yaml:5:5: missing required field \"name\" in namespaces[3]"));
  EXPECT_THAT(Errors("namespaces: [{name: a.b}]\n"), SizeIs(1)) << "a label, not a subdomain";
}

TEST(ParseInventoryTest, NamespaceNameLabel) {
  const ParseResult same =
      ParseInventory("namespaces: [{name: a, labels: {kubernetes.io/metadata.name: a}}]\n", "f");
  EXPECT_THAT(same.diagnostics, IsEmpty());
  EXPECT_THAT(Errors("namespaces:\n  - name: a\n    labels: {kubernetes.io/metadata.name: b}\n"),
              ElementsAre("inv.yaml:3:13: namespaces[0].labels: kubernetes.io/metadata.name is "
                          "\"b\" but must be the namespace's name \"a\""));
}

TEST(ParseInventoryTest, LabelSyntax) {
  EXPECT_THAT(Errors("namespaces: [{name: a, labels: {tier: \"not valid\"}}]\n"),
              ElementsAre("inv.yaml:1:39: namespaces[0].labels[\"tier\"]: \"not valid\" is not a "
                          "valid label value (empty, or at most 63 characters of A-Z, a-z, 0-9, "
                          "'-', '_' and '.', starting and ending with a letter or digit)"));
}

TEST(ParseInventoryTest, PodNamesAndRequiredFields) {
  EXPECT_THAT(Errors(WithPods("  - {name: Runner_1, namespace: job-a, uid: u1}\n"
                              "  - {namespace: job-a}\n")),
              ElementsAre("inv.yaml:3:12: pods[0].name: \"Runner_1\" is not a valid DNS-1123 "
                          "subdomain (at most 253 characters of a-z, 0-9, '-' and '.', each "
                          "dot-separated part starting and ending with a letter or digit)",
                          "inv.yaml:4:5: missing required field \"name\" in pods[1]",
                          "inv.yaml:4:5: missing required field \"uid\" in pods[1]"));
}

TEST(ParseInventoryTest, PodNamespaceMustBeListed) {
  EXPECT_THAT(Errors(WithPods("  - name: runner\n    namespace: job-b\n    uid: u1\n")),
              ElementsAre("inv.yaml:4:16: pod job-b/runner: namespace \"job-b\" is not listed "
                          "under namespaces"));
}

TEST(ParseInventoryTest, DuplicatePod) {
  EXPECT_THAT(Errors(WithPods("  - {name: runner, namespace: job-a, uid: u1}\n"
                              "  - {name: runner, namespace: job-a, uid: u2}\n")),
              ElementsAre("inv.yaml:4:5: pod job-a/runner is already listed at inv.yaml:3:5"));
}

TEST(ParseInventoryTest, UidIsUnique) {
  EXPECT_THAT(Errors(WithPods("  - {name: a, namespace: job-a, uid: u1}\n"
                              "  - {name: b, namespace: job-a, uid: u1}\n")),
              ElementsAre("inv.yaml:4:38: pod job-a/b: uid \"u1\" is already the uid of pod "
                          "job-a/a (inv.yaml:3:38)"));
}

TEST(ParseInventoryTest, AddressesAreValidAndUnique) {
  EXPECT_THAT(Errors(WithPods("  - {name: a, namespace: job-a, uid: u1, ips: [10.0.0.1]}\n"
                              "  - name: b\n"
                              "    namespace: job-a\n"
                              "    uid: u2\n"
                              "    ips: [10.0.0.300, 0.0.0.0, 10.0.0.1, \"fd00::1\"]\n")),
              ElementsAre("inv.yaml:7:11: pods[1].ips[0]: \"10.0.0.300\" is not an IP address "
                          "(expected e.g. 10.0.0.1 or fd00::1)",
                          "inv.yaml:7:23: pods[1].ips[1]: 0.0.0.0 is the unspecified address, not "
                          "a pod's",
                          "inv.yaml:7:32: pod job-a/b: IP 10.0.0.1 is already an address of pod "
                          "job-a/a (inv.yaml:3:48)"));
}

TEST(ParseInventoryTest, Cgroup) {
  const ParseResult absolute = ParseInventory(
      WithPods("  - {name: a, namespace: job-a, uid: u1, cgroup: /sys/fs/cgroup/kubepods/pod1}\n"),
      "f");
  EXPECT_THAT(absolute.diagnostics, IsEmpty());
  EXPECT_EQ(absolute.inventory.pods.at(0).cgroup, "/sys/fs/cgroup/kubepods/pod1");
  EXPECT_THAT(Errors(WithPods("  - {name: a, namespace: job-a, uid: u1, cgroup: a/../../b}\n"
                              "  - {name: b, namespace: job-a, uid: u2, cgroup: \"\"}\n"
                              "  - {name: c, namespace: job-a, uid: u3, cgroup: [x]}\n")),
              ElementsAre("inv.yaml:3:50: pods[0].cgroup: \"a/../../b\" must not contain \"..\" "
                          "(it names the pod's own cgroup, below the cgroup v2 mount)",
                          "inv.yaml:4:50: pods[1].cgroup: must not be empty (leave cgroup out for "
                          "pods on other nodes)",
                          "inv.yaml:5:50: pods[2].cgroup: expected a string, got a sequence"));
}

TEST(ParseInventoryTest, HostCidrs) {
  EXPECT_THAT(Errors("hostCIDRs: [10.0.0.0/24, 10.0.0.5/24, 10.0.0.9]\n"),
              ElementsAre("inv.yaml:1:26: hostCIDRs[1]: \"10.0.0.5/24\" has host bits set (did "
                          "you mean 10.0.0.0/24?)",
                          "inv.yaml:1:39: hostCIDRs[2]: \"10.0.0.9\" is not a CIDR (expected "
                          "address/prefix, e.g. 10.0.0.0/8 or fd00::/64)"));
}

TEST(ParseInventoryTest, WrongTypes) {
  EXPECT_THAT(Errors("namespaces: {job-a: {}}\npods: [runner]\n"),
              ElementsAre("inv.yaml:1:13: namespaces: expected a sequence, got a mapping",
                          "inv.yaml:2:8: pods[0]: expected a mapping, got \"runner\""));
}

TEST(ParseInventoryTest, YamlSyntaxError) {
  EXPECT_THAT(Errors("namespaces:\n  - {name: a\n"),
              ElementsAre(::testing::StartsWith("inv.yaml:3:1: YAML syntax error: ")));
}

}  // namespace
}  // namespace nsfence::inventory
