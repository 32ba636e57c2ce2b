#include "agent/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AgentOptionsTest, RepeatedPolicyAndDefaults) {
  auto o = ParseAgentArgs({"--policy", "a.yaml", "--policy=dir", "--inventory", "inv.yaml"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_THAT(o->policy_paths, ElementsAre("a.yaml", "dir"));
  EXPECT_EQ(o->inventory_file, "inv.yaml");
  EXPECT_EQ(o->bpffs_dir, "/sys/fs/bpf/nsfence");
  EXPECT_EQ(o->cgroup_root, "");
  EXPECT_FALSE(o->keep_enforcement_on_exit);
}

TEST(AgentOptionsTest, AllFlags) {
  auto o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--cgroup-root", "kubepods.slice",
                           "--bpffs", "/sys/fs/bpf/x", "--keep-enforcement-on-exit", "--ringbuf-bytes",
                           "65536", "--report-fold-seconds", "5", "--stats-seconds=2"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->cgroup_root, "kubepods.slice");
  EXPECT_EQ(o->bpffs_dir, "/sys/fs/bpf/x");
  EXPECT_TRUE(o->keep_enforcement_on_exit);
  EXPECT_EQ(o->ringbuf_bytes, 65536u);
  EXPECT_EQ(o->report_fold_window, absl::Seconds(5));
  EXPECT_EQ(o->stats_interval, absl::Seconds(2));
}

TEST(AgentOptionsTest, ErrorsSayWhatIsExpected) {
  EXPECT_THAT(ParseAgentArgs({"--inventory", "i"}).status().message(), HasSubstr("--policy is required"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p"}).status().message(), HasSubstr("--inventory is required"));
  EXPECT_THAT(ParseAgentArgs({"--policy"}).status().message(), HasSubstr("--policy needs a value"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--ringbuf-bytes", "1000"}).status().message(),
              HasSubstr("power of two"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--bpffs", "rel"}).status().message(),
              HasSubstr("absolute"));
  EXPECT_THAT(ParseAgentArgs({"--polcy", "p"}).status().message(), HasSubstr("unknown argument \"--polcy\""));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--stats-seconds", "0"}).status().message(),
              HasSubstr("whole number of seconds"));
}

TEST(AgentOptionsTest, HelpNeedsNothingElse) {
  auto o = ParseAgentArgs({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
  EXPECT_THAT(AgentUsage(), HasSubstr("--keep-enforcement-on-exit"));
}

}  // namespace
}  // namespace nsfence::agent
