// The testbed itself: connectivity without any agent, process placement,
// the inventory it writes, and that it leaves nothing behind.
#include "support/testbed/testbed.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/cgroup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "support/testbed/agent_process.h"
#include "support/testbed/background_process.h"
#include "support/testbed/command.h"
#include "support/testbed/exec.h"
#include "support/testbed/owned_names.h"
#include "support/testbed/sweep.h"
#include "yaml-cpp/yaml.h"

namespace nsfence::testbed {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr absl::Duration kReady = absl::Seconds(5);

TestbedOptions Options() { return {.bin_dir = NSFENCE_BINARY_DIR "/bin"}; }

// What a testbed creates outside this process, to check it is gone later.
struct Footprint {
  std::vector<std::string> netns_names;
  std::string cgroup_root;
  std::string interface_prefix;
};

Footprint FootprintOf(const Testbed& testbed) {
  return {.netns_names = testbed.NetnsNames(),
          .cgroup_root = testbed.cgroup_root(),
          .interface_prefix = testbed.node().bridge().substr(0, NetnsPrefix(getpid()).size())};
}

void ExpectGone(const Footprint& footprint) {
  for (const std::string& name : footprint.netns_names) {
    EXPECT_FALSE(std::filesystem::exists(absl::StrCat(kNetnsDirectory, "/", name))) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(footprint.cgroup_root)) << footprint.cgroup_root;
  absl::StatusOr<CommandResult> netns_list = RunCommand({"ip", "netns", "list"});
  ASSERT_TRUE(netns_list.ok()) << netns_list.status();
  for (const std::string& name : footprint.netns_names) {
    EXPECT_THAT(netns_list->stdout_text, ::testing::Not(HasSubstr(name)));
  }
  // Interfaces are only ever made inside the testbed's namespaces; none of
  // them may show up in this one.
  absl::StatusOr<CommandResult> links = RunCommand({"ip", "-o", "link", "show"});
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_THAT(links->stdout_text, ::testing::Not(HasSubstr(footprint.interface_prefix)));
}


// `absolute` relative to the cgroup v2 mount, as /proc/<pid>/cgroup shows it.
std::string BelowMount(const Testbed& testbed, const std::string& absolute) {
  return absolute.substr(testbed.cgroup_mount().size());
}

ino_t InodeOf(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

class TestbedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    absl::StatusOr<std::unique_ptr<Testbed>> created = Testbed::Create(Options());
    ASSERT_TRUE(created.ok()) << created.status();
    testbed_ = *std::move(created);
    ASSERT_TRUE(testbed_->AddNamespace("job-a", {{"nsfence.io/tier", "job"}}).ok());
    ASSERT_TRUE(testbed_->AddNamespace("infra", {{"nsfence.io/tier", "infra"}}).ok());
    ASSERT_NO_FATAL_FAILURE(AddPod("job-a", "runner", &runner_));
    ASSERT_NO_FATAL_FAILURE(AddPod("job-a", "helper", &helper_));
    ASSERT_NO_FATAL_FAILURE(AddPod("infra", "cache", &cache_));
    absl::StatusOr<WorldHost*> internet = testbed_->AddWorldHost("internet");
    ASSERT_TRUE(internet.ok()) << internet.status();
    internet_ = *internet;
  }

  void AddPod(const std::string& namespace_name, const std::string& name, Pod** pod) {
    absl::StatusOr<Pod*> added = testbed_->AddPod(namespace_name, name);
    ASSERT_TRUE(added.ok()) << added.status();
    *pod = *added;
  }

  // Runs nsfence-netprobe on `host`; its result line, or why there is none.
  std::string Probe(const Host& host, std::vector<std::string> args) {
    args.insert(args.begin(), testbed_->tools().netprobe);
    absl::StatusOr<CommandResult> result = RunCommand(host.CommandLine(args));
    if (!result.ok()) return result.status().ToString();
    const std::string line(absl::StripTrailingAsciiWhitespace(result->stdout_text));
    const bool consistent = result->exit.success() == (line == "ok");
    return consistent
               ? line
               : absl::StrCat(line, " [", result->exit.ToString(), "] ", result->stderr_text);
  }

  // Starts an echo server (tcp-serve / udp-echo) and waits until it listens.
  std::optional<BackgroundProcess> StartServer(const Host& host, const std::string& kind,
                                               const std::string& port,
                                               std::vector<std::string> options = {}) {
    std::vector<std::string> argv = {testbed_->tools().netprobe, kind, port};
    argv.insert(argv.end(), options.begin(), options.end());
    absl::StatusOr<BackgroundProcess> server = BackgroundProcess::Start(host.CommandLine(argv));
    if (!server.ok()) {
      ADD_FAILURE() << server.status();
      return std::nullopt;
    }
    if (!server->WaitForStdout("listening", kReady)) {
      ADD_FAILURE() << kind << " on " << host.name() << " not ready: " << server->StderrText();
      return std::nullopt;
    }
    return std::move(*server);
  }

  // TCP echo and UDP (unconnected and connected) to `target` on both
  // families, from `client`.
  void ExpectReachable(const Host& client, const Host& target) {
    std::optional<BackgroundProcess> tcp = StartServer(target, "tcp-serve", "8080");
    std::optional<BackgroundProcess> udp = StartServer(target, "udp-echo", "5353");
    ASSERT_TRUE(tcp.has_value() && udp.has_value());
    for (const IpAddress& ip : target.ips()) {
      const std::string address = ip.ToString();
      SCOPED_TRACE(absl::StrCat(client.name(), " -> ", target.name(), " ", address));
      EXPECT_EQ(
          Probe(client, {"tcp-connect", address, "8080", "--send", "ping", "--expect", "ping"}),
          "ok");
      EXPECT_EQ(Probe(client, {"udp-send", address, "5353", "--expect-reply"}), "ok");
      EXPECT_EQ(Probe(client, {"udp-send", address, "5353", "--expect-reply", "--connected"}),
                "ok");
    }
  }

  std::unique_ptr<Testbed> testbed_;
  Pod* runner_ = nullptr;
  Pod* helper_ = nullptr;
  Pod* cache_ = nullptr;
  WorldHost* internet_ = nullptr;
};

TEST_F(TestbedTest, AssignsAddressesByNamespaceAndPod) {
  EXPECT_EQ(runner_->ipv4().ToString(), "10.200.1.2");
  EXPECT_EQ(runner_->ipv6().ToString(), "fd00:200::1:2");
  EXPECT_EQ(helper_->ipv4().ToString(), "10.200.1.3");
  EXPECT_EQ(cache_->ipv4().ToString(), "10.200.2.2");
  EXPECT_EQ(cache_->ipv6().ToString(), "fd00:200::2:2");
  EXPECT_EQ(internet_->ipv4().ToString(), "10.200.255.2");
  EXPECT_EQ(internet_->ipv6().ToString(), "fd00:200::255:2");
  EXPECT_EQ(cache_->cgroup(), absl::StrCat(testbed_->cgroup_root(), "/infra/cache"));
  EXPECT_EQ(cache_->container_cgroup(), absl::StrCat(cache_->cgroup(), "/main"));
  EXPECT_THAT(testbed_->cgroup_root(),
              StartsWith(absl::StrCat(testbed_->cgroup_mount(), "/nsfence-test-", getpid(), "-")));
}

TEST_F(TestbedTest, RejectsUnknownNamespacesAndDuplicates) {
  EXPECT_EQ(testbed_->AddPod("nowhere", "x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(testbed_->AddPod("job-a", "runner").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(testbed_->AddNamespace("infra").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(testbed_->AddNamespace("Bad_Name").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(testbed_->FindPod("job-a", "helper"), helper_);
  EXPECT_EQ(testbed_->FindPod("infra", "helper"), nullptr);
}

TEST_F(TestbedTest, PodsReachPodsInTheirOwnAndOtherNamespaces) {
  ExpectReachable(*runner_, *helper_);
  ExpectReachable(*runner_, *cache_);
}

TEST_F(TestbedTest, WorldHostAndPodsReachEachOther) {
  ExpectReachable(*internet_, *cache_);
  ExpectReachable(*cache_, *internet_);
}

TEST_F(TestbedTest, ProbesReportNetworkFailuresByErrnoName) {
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", cache_->ipv4().ToString(), "9"}),
            "error ECONNREFUSED Connection refused");
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", cache_->ipv6().ToString(), "9"}),
            "error ECONNREFUSED Connection refused");
  EXPECT_EQ(Probe(*runner_,
                  {"udp-send", cache_->ipv4().ToString(), "9", "--connected", "--expect-reply"}),
            "error ECONNREFUSED Connection refused");
  // Nobody has this address: no answer within the timeout.
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", "10.200.9.9", "80", "--timeout-ms", "200"}),
            "error ETIMEDOUT Connection timed out");
  EXPECT_EQ(Probe(*runner_, {"udp-send", cache_->ipv4().ToString(), "9", "--timeout-ms", "200",
                             "--expect-reply"}),
            "error ETIMEDOUT Connection timed out");
  std::optional<BackgroundProcess> server = StartServer(*cache_, "tcp-serve", "8080");
  ASSERT_TRUE(server.has_value());
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", cache_->ipv4().ToString(), "8080", "--send", "ping",
                             "--expect", "pong"}),
            "error EBADMSG Bad message (expected \"pong\", got \"ping\")");
}

TEST_F(TestbedTest, ServersBindToOneAddressWhenAsked) {
  const std::string v4 = cache_->ipv4().ToString();
  const std::string v6 = cache_->ipv6().ToString();
  std::optional<BackgroundProcess> tcp = StartServer(*cache_, "tcp-serve", "8080", {"--bind", v4});
  std::optional<BackgroundProcess> udp = StartServer(*cache_, "udp-echo", "5353", {"--bind", v6});
  ASSERT_TRUE(tcp.has_value() && udp.has_value());
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", v4, "8080"}), "ok");
  EXPECT_EQ(Probe(*runner_, {"tcp-connect", v6, "8080"}), "error ECONNREFUSED Connection refused");
  EXPECT_EQ(Probe(*runner_, {"udp-send", v6, "5353", "--expect-reply"}), "ok");
  EXPECT_EQ(Probe(*runner_, {"udp-send", v4, "5353", "--expect-reply", "--connected"}),
            "error ECONNREFUSED Connection refused");
}

TEST_F(TestbedTest, ProcessesRunInTheContainerCgroupAndThePodNetns) {
  absl::StatusOr<BackgroundProcess> server =
      StartInPod(*runner_, {testbed_->tools().netprobe, "tcp-serve", "8080"});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(server->WaitForStdout("listening", kReady)) << server->StderrText();
  EXPECT_EQ(CgroupOf(server->pid()), BelowMount(*testbed_, runner_->container_cgroup()));
  EXPECT_EQ(InodeOf(absl::StrCat("/proc/", server->pid(), "/ns/net")),
            InodeOf(runner_->netns_path()));
  EXPECT_NE(InodeOf(absl::StrCat("/proc/", server->pid(), "/ns/net")),
            InodeOf("/proc/self/ns/net"));

  absl::StatusOr<CommandResult> cat = RunInPod(*runner_, {"cat", "/proc/self/cgroup"});
  ASSERT_TRUE(cat.ok()) << cat.status();
  EXPECT_THAT(
      cat->stdout_text,
      HasSubstr(absl::StrCat("0::", BelowMount(*testbed_, runner_->container_cgroup()), "\n")));

  absl::StatusOr<CommandResult> world = RunOnWorldHost(*internet_, {"cat", "/proc/self/cgroup"});
  ASSERT_TRUE(world.ok()) << world.status();
  EXPECT_THAT(
      world->stdout_text,
      HasSubstr(absl::StrCat("0::", BelowMount(*testbed_, internet_->process_cgroup()), "\n")));
  EXPECT_THAT(internet_->process_cgroup(), ::testing::Not(HasSubstr("/job-a/")));
}

TEST_F(TestbedTest, PodWithoutContainerCgroupRunsInThePodCgroup) {
  absl::StatusOr<Pod*> bare = testbed_->AddPod("infra", "bare", {.container = ""});
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ((*bare)->container_cgroup(), "");
  absl::StatusOr<CommandResult> cat = RunInPod(**bare, {"cat", "/proc/self/cgroup"});
  ASSERT_TRUE(cat.ok()) << cat.status();
  EXPECT_THAT(cat->stdout_text,
              HasSubstr(absl::StrCat("0::", BelowMount(*testbed_, (*bare)->cgroup()), "\n")));
}

TEST_F(TestbedTest, PodexecFailuresExit125WithTheReason) {
  absl::StatusOr<CommandResult> no_cgroup =
      RunCommand({testbed_->tools().podexec, "--cgroup", "/nonexistent", "--", "true"});
  ASSERT_TRUE(no_cgroup.ok()) << no_cgroup.status();
  EXPECT_EQ(no_cgroup->exit.code, 125);
  EXPECT_THAT(no_cgroup->stderr_text,
              HasSubstr("join cgroup /nonexistent: open /nonexistent/cgroup.procs: No such file"));

  absl::StatusOr<CommandResult> no_netns =
      RunCommand({testbed_->tools().podexec, "--cgroup", runner_->process_cgroup(), "--netns",
                  "nsft-none", "--", "true"});
  ASSERT_TRUE(no_netns.ok()) << no_netns.status();
  EXPECT_EQ(no_netns->exit.code, 125);
  EXPECT_THAT(no_netns->stderr_text, HasSubstr("open /run/netns/nsft-none: No such file"));

  absl::StatusOr<CommandResult> no_program = RunInPod(*runner_, {"/nonexistent-program"});
  ASSERT_TRUE(no_program.ok()) << no_program.status();
  EXPECT_EQ(no_program->exit.code, 125);
  EXPECT_THAT(no_program->stderr_text, HasSubstr("exec /nonexistent-program"));
}

TEST_F(TestbedTest, InventoryListsNamespacesPodsAndCgroups) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/testbed-inventory.yaml");
  ASSERT_TRUE(testbed_->WriteInventory(path).ok());
  const YAML::Node inventory = YAML::LoadFile(path);
  std::filesystem::remove(path);

  ASSERT_EQ(inventory["namespaces"].size(), 2u);
  EXPECT_EQ(inventory["namespaces"][0]["name"].as<std::string>(), "job-a");
  EXPECT_EQ(inventory["namespaces"][0]["labels"]["nsfence.io/tier"].as<std::string>(), "job");
  EXPECT_EQ(inventory["namespaces"][1]["name"].as<std::string>(), "infra");

  const YAML::Node pods = inventory["pods"];
  ASSERT_EQ(pods.size(), 3u);
  for (size_t i = 0; i < pods.size(); ++i) {
    const Pod* pod = testbed_->FindPod(pods[i]["namespace"].as<std::string>(),
                                       pods[i]["name"].as<std::string>());
    ASSERT_NE(pod, nullptr) << pods[i];
    EXPECT_EQ(pods[i]["uid"].as<std::string>(), pod->uid());
    EXPECT_THAT(pods[i]["ips"].as<std::vector<std::string>>(),
                ElementsAre(pod->ipv4().ToString(), pod->ipv6().ToString()));
    EXPECT_EQ(pods[i]["cgroup"].as<std::string>(), pod->cgroup());
    EXPECT_TRUE(std::filesystem::is_directory(pod->cgroup()));
  }
  EXPECT_THAT(inventory["hostCIDRs"].as<std::vector<std::string>>(),
              ElementsAre("10.200.0.1/32", "fd00:200::1/128"));
}

TEST(TestbedLifetimeTest, DestroyingTheTestbedRemovesEverything) {
  NSFENCE_REQUIRE_KERNEL();
  Footprint footprint;
  {
    absl::StatusOr<std::unique_ptr<Testbed>> testbed = Testbed::Create(Options());
    ASSERT_TRUE(testbed.ok()) << testbed.status();
    ASSERT_TRUE((*testbed)->AddNamespace("ns").ok());
    absl::StatusOr<Pod*> pod = (*testbed)->AddPod("ns", "pod");
    ASSERT_TRUE(pod.ok()) << pod.status();
    ASSERT_TRUE((*testbed)->AddWorldHost("world").ok());
    // A process still running in the pod must not keep anything alive.
    absl::StatusOr<BackgroundProcess> sleeper =
        StartInPod(**pod, {"sh", "-c", "echo running && exec sleep 60"});
    ASSERT_TRUE(sleeper.ok()) << sleeper.status();
    ASSERT_TRUE(sleeper->WaitForStdout("running", kReady)) << sleeper->StderrText();
    footprint = FootprintOf(**testbed);
    testbed->reset();
    const std::optional<ExitStatus> killed = sleeper->Wait(kReady);
    ASSERT_TRUE(killed.has_value());
    EXPECT_EQ(killed->signal, SIGKILL) << killed->ToString();
  }
  ExpectGone(footprint);
}

TEST(TestbedLifetimeTest, AnExceptionMidwayLeavesNothingBehind) {
  NSFENCE_REQUIRE_KERNEL();
  Footprint footprint;
  EXPECT_THROW(
      {
        absl::StatusOr<std::unique_ptr<Testbed>> testbed = Testbed::Create(Options());
        ASSERT_TRUE(testbed.ok()) << testbed.status();
        ASSERT_TRUE((*testbed)->AddNamespace("ns").ok());
        ASSERT_TRUE((*testbed)->AddPod("ns", "pod").ok());
        footprint = FootprintOf(**testbed);
        throw std::runtime_error("test body failed midway");
      },
      std::runtime_error);
  ASSERT_FALSE(footprint.netns_names.empty());
  ExpectGone(footprint);
}

TEST(TestbedLifetimeTest, CreatingFourPodsIsFast) {
  NSFENCE_REQUIRE_KERNEL();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Testbed>> testbed = Testbed::Create(Options());
  ASSERT_TRUE(testbed.ok()) << testbed.status();
  ASSERT_TRUE((*testbed)->AddNamespace("a").ok());
  ASSERT_TRUE((*testbed)->AddNamespace("b").ok());
  for (const char* ns : {"a", "b"}) {
    for (const char* pod : {"one", "two"}) ASSERT_TRUE((*testbed)->AddPod(ns, pod).ok());
  }
  ASSERT_TRUE((*testbed)->AddWorldHost("world").ok());
  const absl::Duration created = absl::Now() - start;
  testbed->reset();
  const absl::Duration total = absl::Now() - start;
  RecordProperty("create_ms", absl::StrCat(absl::ToInt64Milliseconds(created)));
  RecordProperty("create_and_destroy_ms", absl::StrCat(absl::ToInt64Milliseconds(total)));
  std::cout << "node + 4 pods + world host: created in " << created << ", destroyed after "
            << total - created << "\n";
  EXPECT_LT(created, absl::Seconds(2));
}

TEST(SweepTest, RemovesLeftoversOfDeadProcessesOnly) {
  NSFENCE_REQUIRE_KERNEL();
  absl::StatusOr<std::string> mount = cgroup::FindV2Mount();
  ASSERT_TRUE(mount.ok()) << mount.status();
  // A pid that surely belongs to no running process: a reaped child's.
  absl::StatusOr<BackgroundProcess> exited = BackgroundProcess::Start({"true"});
  ASSERT_TRUE(exited.ok()) << exited.status();
  const pid_t dead = exited->pid();
  ASSERT_TRUE(exited->Wait(kReady).has_value());

  const std::string dead_root = absl::StrCat(*mount, "/", CgroupRootName(dead, 0));
  const std::string dead_pod = absl::StrCat(dead_root, "/ns/pod");
  ASSERT_TRUE(std::filesystem::create_directories(dead_pod));
  const std::string dead_netns = absl::StrCat(NetnsPrefix(dead), "-0-node");
  ASSERT_TRUE(RunSuccessfully({"ip", "netns", "add", dead_netns}).ok());
  // What a crashed run leaves running in its pods.
  absl::StatusOr<BackgroundProcess> orphan = BackgroundProcess::Start(
      {ToolPaths::InDirectory(Options().bin_dir).podexec, "--cgroup", dead_pod, "--netns",
       dead_netns, "--", "sh", "-c", "echo running && exec sleep 60"});
  ASSERT_TRUE(orphan.ok()) << orphan.status();
  ASSERT_TRUE(orphan->WaitForStdout("running", kReady)) << orphan->StderrText();

  // The same for a run still in progress.
  absl::StatusOr<BackgroundProcess> live = BackgroundProcess::Start({"sleep", "60"});
  ASSERT_TRUE(live.ok()) << live.status();
  const std::string live_root = absl::StrCat(*mount, "/", CgroupRootName(live->pid(), 0));
  ASSERT_TRUE(std::filesystem::create_directories(live_root));
  const std::string live_netns = absl::StrCat(NetnsPrefix(live->pid()), "-0-node");
  ASSERT_TRUE(RunSuccessfully({"ip", "netns", "add", live_netns}).ok());

  EXPECT_TRUE(SweepLeftovers(*mount).ok());

  EXPECT_FALSE(std::filesystem::exists(dead_root));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(kNetnsDirectory, "/", dead_netns)));
  const std::optional<ExitStatus> killed = orphan->Wait(kReady);
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->signal, SIGKILL) << killed->ToString();
  EXPECT_TRUE(std::filesystem::exists(live_root));
  EXPECT_TRUE(std::filesystem::exists(absl::StrCat(kNetnsDirectory, "/", live_netns)));
  EXPECT_TRUE(RemoveCgroupTree(live_root).ok());
  EXPECT_TRUE(DeleteNetns(live_netns).ok());
}

TEST(OwnedNamesTest, RecognisesOnlyTestbedNames) {
  EXPECT_EQ(NetnsOwner(absl::StrCat(NetnsPrefix(0x2ad6), "-0-node")), 0x2ad6);
  EXPECT_EQ(NetnsOwner("nsft2ad6-12-pod-job-a.runner"), 0x2ad6);
  EXPECT_EQ(CgroupRootOwner(CgroupRootName(10966, 3)), 10966);
  EXPECT_EQ(NetnsOwner("nsftx1-0-node"), std::nullopt);
  EXPECT_EQ(NetnsOwner("nsft2ad6-bpf"), std::nullopt);
  EXPECT_EQ(NetnsOwner("other-0-node"), std::nullopt);
  EXPECT_EQ(CgroupRootOwner("nsfence-test-10966-bpf4"), std::nullopt);
  EXPECT_EQ(CgroupRootOwner("nsfence-test-10966"), std::nullopt);
  EXPECT_EQ(CgroupRootOwner("nsfence-test-10966-3-x"), std::nullopt);
}

TEST(CommandTest, CapturesExitCodeAndOutput) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "echo out; echo err >&2; cat; exit 3"}, {.stdin_text = "in\n"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit.code, 3);
  EXPECT_EQ(result->stdout_text, "out\nin\n");
  EXPECT_EQ(result->stderr_text, "err\n");
  EXPECT_THAT(RunSuccessfully({"sh", "-c", "echo why >&2; exit 1"}).message(),
              HasSubstr("failed (exit code 1): why"));
}

TEST(CommandTest, TimesOutAndReportsMissingPrograms) {
  absl::StatusOr<CommandResult> slow =
      RunCommand({"sleep", "10"}, {.timeout = absl::Milliseconds(100)});
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded);
  absl::StatusOr<CommandResult> missing = RunCommand({"/nonexistent-program"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

// An agent stand-in: JSON lines on stdout, logs on stderr, clean exit on SIGTERM.
constexpr char kFakeAgent[] = R"(
  trap 'echo stopping >&2; exit 0' TERM
  echo 'policy applied' >&2
  echo '{"event":"violation","n":1}'
  echo '{"event":"violation","n":2}'
  echo 'not json'
  while :; do sleep 0.05; done
)";

TEST(AgentProcessTest, CapturesLinesAndStopsGracefully) {
  absl::StatusOr<AgentProcess> agent = AgentProcess::Start("/bin/sh", {"-c", kFakeAgent});
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_TRUE(agent->WaitForStderr("policy applied", kReady));
  const auto is_event = [](const std::string& line) { return absl::StartsWith(line, "{"); };
  EXPECT_TRUE(agent->WaitForStdoutLines(is_event, 2, kReady));
  EXPECT_FALSE(agent->WaitForStdoutLines(is_event, 3, absl::Milliseconds(100)));
  EXPECT_TRUE(agent->WaitForStdout("not json", kReady));
  EXPECT_THAT(agent->StdoutLines(), ElementsAre(R"({"event":"violation","n":1})",
                                                R"({"event":"violation","n":2})", "not json"));

  const ExitStatus stopped = agent->Terminate(kReady);
  EXPECT_TRUE(stopped.success()) << stopped.ToString();
  EXPECT_TRUE(agent->WaitForStderr("stopping", kReady));
  EXPECT_THAT(agent->StderrLines(), ElementsAre("policy applied", "stopping"));
  EXPECT_EQ(agent->StderrText(), "policy applied\nstopping\n");
}

TEST(AgentProcessTest, KillsWhatIgnoresSigterm) {
  absl::StatusOr<AgentProcess> agent = AgentProcess::Start(
      "/bin/sh", {"-c", "trap '' TERM; echo ready >&2; while :; do sleep 0.05; done"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE(agent->WaitForStderr("ready", kReady));
  EXPECT_EQ(agent->Terminate(absl::Milliseconds(200)).signal, SIGKILL);
  EXPECT_FALSE(agent->Signal(SIGTERM).ok());
}

TEST(AgentProcessTest, WaitingEndsEarlyWhenTheProcessExits) {
  absl::StatusOr<AgentProcess> agent =
      AgentProcess::Start("/bin/sh", {"-c", "echo 'cannot load program' >&2; exit 1"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  const absl::Time start = absl::Now();
  EXPECT_FALSE(agent->WaitForStderr("policy applied", absl::Seconds(30)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(agent->Wait(kReady).value_or(ExitStatus{}).code, 1);
  EXPECT_THAT(agent->StderrText(), HasSubstr("cannot load program"));
}

}  // namespace
}  // namespace nsfence::testbed
