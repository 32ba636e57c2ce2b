// The agent's life around enforcement: reloading policy and inventory while
// it runs, rejecting bad input without losing what is in force, surviving
// its own crash, and leaving (or keeping) enforcement when it stops.
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kJobs[] = "jobs";
// What the agent attaches to the cgroup root, as bpftool names it (sorted):
// the device guard and the segmentation programs (these policies have no TLS
// floor, so the TLS programs stay detached). The exec guard is not a cgroup
// program.
constexpr const char* kAttachTypes[] = {"cgroup_device", "cgroup_inet4_connect", "cgroup_inet6_connect",
                                        "cgroup_inet_ingress", "cgroup_udp4_sendmsg",
                                        "cgroup_udp6_sendmsg"};

// Job namespaces isolated, allowed TCP port $0 on infra namespaces.
constexpr char kJobsMayReachInfra[] = R"(
  crossNamespace: deny
  egress:
    - to: [{namespaceSelector: {matchLabels: {nsfence.io/tier: infra}}}]
      ports: [{protocol: TCP, port: $0}]
)";

std::string JobsMayReachInfraOn(int port) {
  return Policy(kJobs, kJobNamespaces, absl::Substitute(kJobsMayReachInfra, port));
}

class NetworkLifecycleTest : public NetworkTest {};

TEST_F(NetworkLifecycleTest, PolicyEditAppliesWithoutRestart) {
  const std::string path = WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kDenied);

  WritePolicy(kJobs, JobsMayReachInfraOn(8081));
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(2));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kOk);

  // Without a policy the namespace is no longer governed.
  ASSERT_TRUE(std::filesystem::remove(path));
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(3));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *cache_, 8081, kJobs),
                                    Egress("blocked", "tcp", *runner_, *cache_, 8080, kJobs)));
}

TEST_F(NetworkLifecycleTest, SighupReloadsWhatNoFileEventAnnounced) {
  // The policy directory holds a symlink to a file elsewhere: rewriting that
  // file is invisible to the directory watch, so only SIGHUP can apply it.
  const std::string elsewhere = absl::StrCat(work_dir(), "/elsewhere");
  ASSERT_TRUE(std::filesystem::create_directory(elsewhere));
  const std::string target = absl::StrCat(elsewhere, "/jobs.yaml");
  WriteFile(target, JobsMayReachInfraOn(8080));
  std::filesystem::create_symlink(target, absl::StrCat(policy_dir(), "/jobs.yaml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kDenied);

  WriteFile(target, JobsMayReachInfraOn(8081));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kDenied);  // not reloaded yet
  ASSERT_TRUE(agent().Signal(SIGHUP).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(2));
  EXPECT_THAT(agent().StderrText(), HasSubstr("reloading (SIGHUP)"));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kOk);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *cache_, 8081, kJobs),
                                    Egress("blocked", "tcp", *runner_, *cache_, 8081, kJobs),
                                    Egress("blocked", "tcp", *runner_, *cache_, 8080, kJobs)));
}

TEST_F(NetworkLifecycleTest, BadPolicyIsRejectedAndTheLastGoodOneStaysInForce) {
  const std::string path = WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080, 8081}));

  // Policy() writes the network section from line 9 on, indented by 4: the
  // bad value starts at column 21.
  WritePolicy(kJobs, Policy(kJobs, kJobNamespaces, "crossNamespace: maybe"));
  ASSERT_TRUE(agent().WaitForStderr("policy rejected: ", kAgentReacts)) << agent().StderrText();
  EXPECT_THAT(agent().StderrText(), HasSubstr(absl::StrCat(path, ":9:21: ")));
  EXPECT_THAT(agent().StderrText(), HasSubstr(absl::StrCat("policy rejected: ", path)));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);

  WritePolicy(kJobs, JobsMayReachInfraOn(8081));
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(2));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8081)), kOk);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // The rejected content made no generation of its own.
  EXPECT_THAT(agent().StderrText(), Not(HasSubstr("generation=3")));
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *cache_, 8081, kJobs),
                                    Egress("blocked", "tcp", *runner_, *worker_, 8080, kJobs),
                                    Egress("blocked", "tcp", *runner_, *cache_, 8080, kJobs)));
}

TEST_F(NetworkLifecycleTest, InventoryChangeAppliesWithoutRestart) {
  WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  // Pods the agent does not know yet: a new infra namespace, and a new pod
  // of a job namespace.
  ASSERT_TRUE(testbed_->AddNamespace("infra-2", {{"nsfence.io/tier", "infra"}}).ok());
  absl::StatusOr<Pod*> db = testbed_->AddPod("infra-2", "db");
  absl::StatusOr<Pod*> late = testbed_->AddPod("job-a", "late");
  ASSERT_TRUE(db.ok() && late.ok());
  ASSERT_TRUE(ServeTcp(**db, {8080}));
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  // Unknown addresses are the world's; an unknown pod is not governed.
  EXPECT_EQ(Probe(*runner_, TcpConnect(**db, 8080)), kDenied);
  EXPECT_EQ(Probe(**late, TcpConnect(*runner_, 8080)), kTimedOut);

  // A broken inventory changes nothing.
  WriteFile(inventory_path(), "namespaces: [{name: Not_A_Name}]\n");
  ASSERT_TRUE(agent().WaitForStderr("inventory rejected: ", kAgentReacts)) << agent().StderrText();
  EXPECT_EQ(Probe(*runner_, TcpConnect(**db, 8080)), kDenied);

  ASSERT_NO_FATAL_FAILURE(WriteInventory());
  ASSERT_NO_FATAL_FAILURE(WaitForGeneration(2));
  EXPECT_EQ(Probe(*runner_, TcpConnect(**db, 8080)), kOk);
  EXPECT_EQ(Probe(**late, TcpConnect(*runner_, 8080)), kOk);
  EXPECT_EQ(Probe(**late, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(Events(),
              ElementsAre(Egress("blocked", "tcp", *runner_, Peer::Unknown(**db), 8080, kJobs),
                          Ingress("blocked", "tcp", *runner_, Peer::Unknown(**late), 8080, kJobs),
                          Egress("blocked", "tcp", *runner_, Peer::Unknown(**db), 8080, kJobs),
                          Egress("blocked", "tcp", **late, *worker_, 8080, kJobs)));
}

TEST_F(NetworkLifecycleTest, EnforcementSurvivesSigkillAndARestartAdoptsIt) {
  WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*cache_, {8080}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(WaitForEvents(1));
  const std::vector<std::string> attached = AttachedPrograms();
  const std::vector<std::string> pins = Pins();
  ASSERT_THAT(attached, ElementsAreArray(kAttachTypes));

  EXPECT_EQ(agent().Kill().signal, SIGKILL);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8081)), kDenied);  // queued, nobody reads
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);
  EXPECT_EQ(AttachedPrograms(), attached);

  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_THAT(agent().StderrText(),
              HasSubstr(absl::StrCat("adopting pinned state under ", bpffs_dir())));
  EXPECT_THAT(agent().StderrText(), HasSubstr("6 of 7 links adopted"));
  EXPECT_TRUE(agent().WaitForStderr("reported 1 queued violations", kAgentReacts))
      << agent().StderrText();
  // The links were taken over, not attached a second time.
  EXPECT_EQ(AttachedPrograms(), attached);
  EXPECT_EQ(Pins(), pins);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8082)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(AttachedPrograms(), IsEmpty());
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kJobs),
                                    Egress("blocked", "tcp", *runner_, *worker_, 8081, kJobs),
                                    Egress("blocked", "tcp", *runner_, *worker_, 8082, kJobs)));
}

TEST_F(NetworkLifecycleTest, SigtermDetachesAndRemovesThePins) {
  WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  EXPECT_THAT(AttachedPrograms(), ElementsAreArray(kAttachTypes));
  EXPECT_TRUE(BpffsMounted());

  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(agent().StderrText(), HasSubstr("detached from "));
  EXPECT_THAT(AttachedPrograms(), IsEmpty());
  EXPECT_FALSE(BpffsMounted());
  EXPECT_FALSE(std::filesystem::exists(bpffs_dir()));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kOk);
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kJobs)));
}

TEST_F(NetworkLifecycleTest, KeepEnforcementOnExitLeavesItInForce) {
  WritePolicy(kJobs, JobsMayReachInfraOn(8080));
  ASSERT_NO_FATAL_FAILURE(StartAgent({.keep_enforcement_on_exit = true}));
  ASSERT_TRUE(ServeTcp(*cache_, {8080}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(agent().StderrText(), HasSubstr("leaving enforcement in place"));
  EXPECT_THAT(AttachedPrograms(), ElementsAreArray(kAttachTypes));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8081)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*cache_, 8080)), kOk);

  // The next agent (an upgrade) takes over, reports what happened meanwhile
  // and, stopped without the flag, removes everything.
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_TRUE(agent().WaitForStderr("reported 1 queued violations", kAgentReacts))
      << agent().StderrText();
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(AttachedPrograms(), IsEmpty());
  EXPECT_FALSE(std::filesystem::exists(bpffs_dir()));
  EXPECT_THAT(Events(), ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, kJobs),
                                    Egress("blocked", "tcp", *runner_, *worker_, 8081, kJobs)));
}

}  // namespace
}  // namespace nsfence::e2e
