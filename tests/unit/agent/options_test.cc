#include "agent/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdlib>
#include <string>

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
  EXPECT_EQ(o->metrics_address, "127.0.0.1:9479");
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

TEST(AgentOptionsTest, KubernetesInventorySource) {
  auto o = ParseAgentArgs({"--inventory-source", "kubernetes", "--kubeconfig", "/k/config", "--node-name=node-1",
                           "--unknown-pods", "allow"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->inventory_source, "kubernetes");
  EXPECT_EQ(o->kubeconfig, "/k/config");
  EXPECT_EQ(o->node_name, "node-1");
  EXPECT_EQ(o->unknown_pods, "allow");
  EXPECT_TRUE(o->policy_paths.empty());  // the API brings policies

  setenv("NODE_NAME", "node-from-env", 1);
  auto from_env = ParseAgentArgs({"--inventory-source=kubernetes"});
  unsetenv("NODE_NAME");
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->node_name, "node-from-env");
  EXPECT_EQ(from_env->unknown_pods, "deny");
  EXPECT_EQ(from_env->kubeconfig, "");

  EXPECT_THAT(ParseAgentArgs({"--inventory-source=kubernetes"}).status().message(), HasSubstr("$NODE_NAME"));
  EXPECT_THAT(ParseAgentArgs({"--inventory-source=kubernetes", "--node-name=n", "--inventory", "i"}).status().message(),
              HasSubstr("the API server is the inventory"));
  EXPECT_THAT(ParseAgentArgs({"--inventory-source=api"}).status().message(), HasSubstr("file or kubernetes"));
  EXPECT_THAT(ParseAgentArgs({"--inventory-source=kubernetes", "--node-name=n", "--unknown-pods=maybe"}).status().message(),
              HasSubstr("deny or allow"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--node-name=n"}).status().message(),
              HasSubstr("need --inventory-source kubernetes"));
}

TEST(AgentOptionsTest, EventPipeline) {
  auto defaults = ParseAgentArgs({"--policy", "p", "--inventory", "i"});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->aggregate_window, absl::Seconds(10));
  EXPECT_EQ(defaults->rate_limit, 1000u);
  EXPECT_EQ(defaults->rate_burst, 2000u);
  auto o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--aggregate-seconds=0", "--rate-limit", "0",
                           "--rate-burst=5"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->aggregate_window, absl::ZeroDuration());
  EXPECT_EQ(o->rate_limit, 0u);
  EXPECT_EQ(o->rate_burst, 5u);
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--rate-burst=0"}).status().message(),
              HasSubstr("--rate-burst expects a whole number >= 1"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--aggregate-seconds=-1"}).status().message(),
              HasSubstr("--aggregate-seconds expects a whole number (0: off)"));
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

TEST(AgentOptionsTest, MetricsAddress) {
  auto o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--metrics-address", "0.0.0.0:9100"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->metrics_address, "0.0.0.0:9100");
  o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--metrics-address=127.0.0.1:0"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->metrics_address, "127.0.0.1:0");
  o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--metrics-address=off"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->metrics_address, "");
  for (const char* bad : {"9479", "localhost:9479", "127.0.0.1:65536", "[::1]:9479"}) {
    EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--metrics-address", bad}).status().message(),
                HasSubstr("--metrics-address expects IPV4-ADDRESS:PORT"))
        << bad;
  }
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--metrics-address"}).status().message(),
              HasSubstr("--metrics-address needs a value"));
}

TEST(AgentOptionsTest, AuditLog) {
  auto defaults = ParseAgentArgs({"--policy", "p", "--inventory", "i"});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->audit_log, "");
  EXPECT_EQ(defaults->audit_log_max_bytes, 104857600u);
  EXPECT_EQ(defaults->audit_log_keep, 5u);
  EXPECT_EQ(defaults->audit_log_fsync, "batch");
  auto o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log", "/var/log/nsfence/events.jsonl",
                           "--audit-log-max-bytes=65536", "--audit-log-keep", "0", "--audit-log-fsync=line"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->audit_log, "/var/log/nsfence/events.jsonl");
  EXPECT_EQ(o->audit_log_max_bytes, 65536u);
  EXPECT_EQ(o->audit_log_keep, 0u);
  EXPECT_EQ(o->audit_log_fsync, "line");
  for (const char* fsync : {"never", "batch"}) {
    EXPECT_TRUE(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log-fsync", fsync}).ok()) << fsync;
  }
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log-fsync=always"}).status().message(),
              HasSubstr("--audit-log-fsync expects never, line or batch, got \"always\""));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log-max-bytes=100"}).status().message(),
              HasSubstr("--audit-log-max-bytes expects a whole number of bytes >= 4096"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log-keep=-1"}).status().message(),
              HasSubstr("--audit-log-keep expects a whole number from 0 to 1000"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log="}).status().message(),
              HasSubstr("--audit-log expects a file path"));
  EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--audit-log"}).status().message(),
              HasSubstr("--audit-log needs a value"));
}

TEST(AgentOptionsTest, AdminSocket) {
  auto o = ParseAgentArgs({"--policy", "p", "--inventory", "i"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->admin_socket, "/run/nsfence/agent.sock");
  o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--admin-socket", "/tmp/x/agent.sock"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->admin_socket, "/tmp/x/agent.sock");
  o = ParseAgentArgs({"--policy", "p", "--inventory", "i", "--admin-socket=off"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->admin_socket, "");
  for (const std::string& bad : {std::string("agent.sock"), std::string(), "/" + std::string(200, 'a')}) {
    EXPECT_THAT(ParseAgentArgs({"--policy", "p", "--inventory", "i", "--admin-socket", bad}).status().message(),
                HasSubstr("--admin-socket expects an absolute path"))
        << bad;
  }
  EXPECT_THAT(AgentUsage(), HasSubstr("--admin-socket PATH"));
}

TEST(AgentOptionsTest, HelpNeedsNothingElse) {
  auto o = ParseAgentArgs({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
  EXPECT_THAT(AgentUsage(), HasSubstr("--keep-enforcement-on-exit"));
  EXPECT_THAT(AgentUsage(), HasSubstr("--metrics-address HOST:PORT"));
  for (const char* flag : {"--audit-log FILE", "--audit-log-max-bytes N", "--audit-log-keep N",
                           "--audit-log-fsync never|line|batch"}) {
    EXPECT_THAT(AgentUsage(), HasSubstr(flag));
  }
}

}  // namespace
}  // namespace nsfence::agent
