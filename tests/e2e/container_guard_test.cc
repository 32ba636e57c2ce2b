// The container guard end to end: real runc containers in the testbed's
// pods, under the real agent. Privileged containers and execs are stopped
// (or, in audit, reported and let run), device nodes other than the safe
// ones cannot be opened, and what no policy governs is left alone.
//
// The exec backend is whatever the agent picks (--exec-backend=auto, as in
// production): with the tracepoint fallback a stopped container's process
// is killed before it runs (runc exits 137), with BPF LSM its exec fails
// with EPERM (runc fails and says so). Each test reads the backend from the
// agent's log and expects accordingly.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "support/testbed/capability_sets.h"
#include "support/testbed/command.h"
#include "support/testbed/container_runtime.h"
#include "support/testbed/loop_device.h"
#include "support/testbed/pod_container.h"

namespace nsfence::e2e {
namespace {

using testbed::CommandResult;
using testbed::ContainerRuntime;
using testbed::ContainerSpec;
using testbed::DefaultCapabilitiesPlus;
using testbed::LoopDevice;
using testbed::RunningContainer;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

constexpr char kAgentBinary[] = NSFENCE_BINARY_DIR "/bin/nsfence-agent";
constexpr char kPolicy[] = "no-privileged";
// What a container prints when its program ran.
constexpr char kRan[] = "ran\n";

// The runtime default set of docs/policy.md, as events name capabilities.
const std::vector<std::string>& RuntimeDefaultNames() {
  static const auto* names =
      new std::vector<std::string>{"CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
                                   "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
                                   "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
                                   "KILL",    "AUDIT_WRITE"};
  return *names;
}

// An IsolationPolicy with only a containers section (a YAML flow mapping).
std::string ContainersPolicy(absl::string_view containers, absl::string_view mode = "enforce",
                             absl::string_view selector = kJobNamespaces) {
  return absl::StrCat(PolicyHead(kPolicy, selector, mode), "  containers: ", containers, "\n");
}

std::string Printed(const CommandResult& result) {
  return absl::StrCat(result.exit.ToString(), "; stdout: ", result.stdout_text,
                      "; stderr: ", result.stderr_text);
}

// An event in one line for failure messages.
std::string DescribeGuardEvent(const events::Event& e) {
  return absl::StrCat(e.kind(), " ", e.action(), " ", e.namespace_(), "/", e.pod(), " container ",
                      e.container(), " pid ", e.pid(), " comm ", e.comm(), " filename ",
                      e.filename(), " caps [", absl::StrJoin(e.capabilities(), ","), "] hostns [",
                      absl::StrJoin(e.host_namespaces(), ","), "] backend ", e.backend(),
                      " device ", e.device(), " access ", e.access(), " policy ", e.policy());
}

class ContainerGuardTest : public NetworkTest {
 protected:
  enum class Backend { kUnknown, kTracepoint, kLsm };

  void SetUp() override {
    NetworkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (absl::Status tools = ContainerRuntime::CheckTools(); !tools.ok()) {
      NSFENCE_SKIP_KERNEL_TEST(tools.ToString());
    }
    absl::StatusOr<std::unique_ptr<ContainerRuntime>> runtime = ContainerRuntime::Create();
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const events::Event& event : ParsedEvents()) {
        std::cerr << "event: " << DescribeGuardEvent(event) << "\n";
      }
    }
    // Containers go before the pods they live in.
    runtime_.reset();
    NetworkTest::TearDown();
  }

  // Starts the agent and reads which exec backend it chose.
  void StartGuard(std::vector<std::string> extra_args = {}) {
    ASSERT_NO_FATAL_FAILURE(StartAgent(AgentFlags{.extra_args = std::move(extra_args)}));
    backend_ = BackendOf(agent());
    ASSERT_NE(backend_, Backend::kUnknown)
        << "no \"exec guard backend:\" line in the agent's log:\n"
        << agent().StderrText();
  }

  static Backend BackendOf(AgentProcess& agent) {
    if (!agent.WaitForStderr("exec guard backend: ", kAgentReacts)) return Backend::kUnknown;
    const std::string log = agent.StderrText();
    if (absl::StrContains(log, "exec guard backend: lsm")) return Backend::kLsm;
    if (absl::StrContains(log, "exec guard backend: tracepoint")) return Backend::kTracepoint;
    return Backend::kUnknown;
  }

  std::string BackendName() const { return backend_ == Backend::kLsm ? "lsm" : "tracepoint"; }

  ContainerSpec Spec(const Pod& pod, absl::string_view name,
                     std::vector<std::string> capabilities = testbed::RuncDefaultCapabilities()) {
    ContainerSpec spec = testbed::PodContainerSpec(*testbed_, pod, name);
    spec.args = {"sh", "-c", "echo ran"};
    spec.capabilities = std::move(capabilities);
    return spec;
  }

  std::vector<std::string> AllCapabilities() {
    absl::StatusOr<std::vector<std::string>> all = testbed::AllCapabilities();
    EXPECT_TRUE(all.ok()) << all.status();
    return all.ok() ? *all : std::vector<std::string>{};
  }

  // Capabilities of `all` (OCI names) outside the runtime default set and
  // `allowed`, as events name them.
  static std::vector<std::string> Offending(const std::vector<std::string>& all,
                                            const std::vector<std::string>& allowed = {}) {
    std::vector<std::string> offending;
    for (absl::string_view cap : all) {
      absl::ConsumePrefix(&cap, "CAP_");
      const std::string name(cap);
      const auto listed = [&](const std::vector<std::string>& set) {
        return std::find(set.begin(), set.end(), name) != set.end();
      };
      if (name == "SYS_ADMIN" || (!listed(RuntimeDefaultNames()) && !listed(allowed))) {
        offending.push_back(name);
      }
    }
    return offending;
  }

  CommandResult Run(const ContainerSpec& spec) {
    absl::StatusOr<CommandResult> result = runtime_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : CommandResult{.exit = {.code = -1}};
  }

  // The program was stopped before it ran, as the backend stops it.
  void ExpectStopped(const CommandResult& result) {
    EXPECT_THAT(result.stdout_text, Not(HasSubstr("ran"))) << Printed(result);
    if (backend_ == Backend::kLsm) {
      EXPECT_FALSE(result.exit.success()) << Printed(result);
      EXPECT_NE(result.exit.code, 137) << Printed(result);
      EXPECT_THAT(absl::AsciiStrToLower(result.stderr_text), HasSubstr("operation not permitted"))
          << Printed(result);
    } else {
      EXPECT_EQ(result.exit.code, 137) << Printed(result);
    }
  }

  void ExpectRan(const CommandResult& result) {
    EXPECT_TRUE(result.exit.success()) << Printed(result);
    EXPECT_EQ(result.stdout_text, kRan) << Printed(result);
  }

  // Stops the agent: every event it printed, which must be `count`.
  std::vector<events::Event> EventsAfterStop(size_t count) {
    if (count > 0) WaitForEvents(static_cast<int>(count));
    StopAgent();
    std::vector<events::Event> events = ParsedEvents();
    std::vector<std::string> described;
    for (const events::Event& event : events) described.push_back(DescribeGuardEvent(event));
    EXPECT_EQ(events.size(), count) << absl::StrJoin(described, "\n");
    return events;
  }

  // A "privileged" event of `spec`'s container in `pod`.
  void ExpectPrivileged(const events::Event& event, absl::string_view action, const Pod& pod,
                        const ContainerSpec& spec, const std::vector<std::string>& capabilities,
                        const std::vector<std::string>& host_namespaces) {
    SCOPED_TRACE(DescribeGuardEvent(event));
    EXPECT_EQ(event.kind(), "privileged");
    EXPECT_EQ(event.action(), action);
    EXPECT_EQ(event.namespace_(), pod.namespace_name());
    EXPECT_EQ(event.pod(), pod.name());
    EXPECT_EQ(event.container(), spec.name);
    EXPECT_THAT(event.capabilities(), UnorderedElementsAreArray(capabilities));
    EXPECT_THAT(event.host_namespaces(), UnorderedElementsAreArray(host_namespaces));
    EXPECT_EQ(event.backend(), BackendName());
    EXPECT_EQ(event.filename(), "/bin/sh");
    EXPECT_EQ(event.policy(), kPolicy);
  }

  std::unique_ptr<ContainerRuntime> runtime_;
  Backend backend_ = Backend::kUnknown;
};

TEST_F(ContainerGuardTest, DefaultContainerRunsToCompletion) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ExpectRan(Run(Spec(*runner_, "ctr-default")));
  EventsAfterStop(0);
}

TEST_F(ContainerGuardTest, PrivilegedContainerIsStopped) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const std::vector<std::string> all = AllCapabilities();
  const ContainerSpec spec = Spec(*runner_, "ctr-privileged", all);
  ExpectStopped(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(events[0].capabilities(), ::testing::Contains("SYS_ADMIN"));
  ExpectPrivileged(events[0], "blocked", *runner_, spec, Offending(all), {});
}

TEST_F(ContainerGuardTest, SysAdminAloneIsStopped) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const ContainerSpec spec =
      Spec(*worker_, "ctr-sysadmin", DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"}));
  ExpectStopped(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *worker_, spec, {"SYS_ADMIN"}, {});
}

TEST_F(ContainerGuardTest, AllowedCapabilityRunsAndOthersStillCount) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny, allowedCapabilities: [NET_ADMIN]}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ExpectRan(Run(Spec(*runner_, "ctr-netadmin", DefaultCapabilitiesPlus({"CAP_NET_ADMIN"}))));
  // The whole runtime default set (containerd's, wider than runc's) is not
  // privileged either.
  std::vector<std::string> containerd_default;
  for (const std::string& name : RuntimeDefaultNames()) containerd_default.push_back("CAP_" + name);
  ExpectRan(Run(Spec(*runner_, "ctr-containerd", containerd_default)));
  // Allowing one capability allows no other.
  const ContainerSpec ptrace =
      Spec(*runner_, "ctr-ptrace", DefaultCapabilitiesPlus({"CAP_NET_ADMIN", "CAP_SYS_PTRACE"}));
  ExpectStopped(Run(ptrace));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *runner_, ptrace, {"SYS_PTRACE"}, {});
}

TEST_F(ContainerGuardTest, HostPidNamespaceIsStoppedWhenDenied) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny, hostNamespaces: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ContainerSpec spec = Spec(*runner_, "ctr-hostpid");
  spec.host_pid = true;
  ExpectStopped(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *runner_, spec, {}, {"pid"});
}

TEST_F(ContainerGuardTest, HostPidNamespaceRunsWhenAllowed) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny, hostNamespaces: allow}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ContainerSpec spec = Spec(*runner_, "ctr-hostpid");
  spec.host_pid = true;
  ExpectRan(Run(spec));
  EventsAfterStop(0);
}

TEST_F(ContainerGuardTest, AuditPolicyLetsThePrivilegedContainerRunAndReportsIt) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}", "audit"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const ContainerSpec spec =
      Spec(*runner_, "ctr-audited", DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"}));
  ExpectRan(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "audited", *runner_, spec, {"SYS_ADMIN"}, {});
}

TEST_F(ContainerGuardTest, PrivilegedAuditLetsThePrivilegedContainerRunAndReportsIt) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: audit}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const std::vector<std::string> all = AllCapabilities();
  const ContainerSpec spec = Spec(*runner_, "ctr-audited", all);
  ExpectRan(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "audited", *runner_, spec, Offending(all), {});
}

TEST_F(ContainerGuardTest, PrivilegedExecIntoARunningContainerIsStopped) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const ContainerSpec spec = Spec(*runner_, "ctr-sleeper");
  ContainerSpec sleeping = spec;
  sleeping.args = {};  // sleep 60
  absl::StatusOr<std::unique_ptr<RunningContainer>> container = runtime_->Start(sleeping);
  ASSERT_TRUE(container.ok()) << container.status();

  absl::StatusOr<CommandResult> privileged =
      (*container)
          ->Exec({.args = {"sh", "-c", "echo ran"},
                  .capabilities = DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"})});
  ASSERT_TRUE(privileged.ok()) << privileged.status();
  ExpectStopped(*privileged);
  // The container itself is not touched, and takes unprivileged execs.
  EXPECT_TRUE((*container)->Running());
  absl::StatusOr<CommandResult> plain = (*container)->Exec({.args = {"sh", "-c", "echo ran"}});
  ASSERT_TRUE(plain.ok()) << plain.status();
  ExpectRan(*plain);
  EXPECT_TRUE((*container)->Running());

  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *runner_, spec, {"SYS_ADMIN"}, {});
}

TEST_F(ContainerGuardTest, DeviceNodeOutsideTheSafeSetCannotBeOpened) {
  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create();
  if (!loop.ok()) NSFENCE_SKIP_KERNEL_TEST(loop.status().ToString());
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ContainerSpec spec = Spec(*runner_, "ctr-disk");
  // The harness test shows the same read succeeds without the agent.
  spec.args = {"sh", "-c",
               absl::StrCat("cat /dev/null && echo null-ok; dd if=", (*loop)->path(),
                            " of=/dev/null bs=512 count=1")};
  spec.devices = {{.path = (*loop)->path(),
                   .type = 'b',
                   .major = (*loop)->device_major(),
                   .minor = (*loop)->device_minor()}};
  const CommandResult ran = Run(spec);
  EXPECT_FALSE(ran.exit.success()) << Printed(ran);
  EXPECT_EQ(ran.stdout_text, "null-ok\n") << Printed(ran);
  EXPECT_THAT(ran.stderr_text, HasSubstr("Operation not permitted")) << Printed(ran);
  EXPECT_THAT(ran.stderr_text, Not(HasSubstr("records in"))) << Printed(ran);

  // Two refusals: runc creating the node in the container's /dev (it then
  // bind-mounts the node's own instead), and dd opening it.
  const std::vector<events::Event> events = EventsAfterStop(2);
  ASSERT_EQ(events.size(), 2u);
  for (const events::Event& event : events) {
    SCOPED_TRACE(DescribeGuardEvent(event));
    EXPECT_EQ(event.kind(), "device");
    EXPECT_EQ(event.action(), "blocked");
    EXPECT_EQ(event.namespace_(), "job-a");
    EXPECT_EQ(event.pod(), "runner");
    EXPECT_EQ(event.container(), spec.name);
    EXPECT_EQ(event.device(), absl::StrCat("block ", (*loop)->MajorMinor()));
    EXPECT_EQ(event.policy(), kPolicy);
  }
  EXPECT_EQ(events[0].access(), "mknod");
  EXPECT_TRUE(absl::StartsWith(events[0].comm(), "runc")) << events[0].comm();
  EXPECT_EQ(events[1].access(), "read");
  EXPECT_EQ(events[1].comm(), "dd");
}

TEST_F(ContainerGuardTest, UngovernedNamespaceIsLeftAlone) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  ContainerSpec spec = Spec(*cache_, "ctr-privileged", AllCapabilities());
  ContainerSpec host_pid = Spec(*cache_, "ctr-hostpid");
  host_pid.host_pid = true;
  ExpectRan(Run(spec));
  ExpectRan(Run(host_pid));
  // Nor does the device guard reach it.
  if (absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(); loop.ok()) {
    ContainerSpec disk = Spec(*cache_, "ctr-disk");
    disk.args = {"dd", absl::StrCat("if=", (*loop)->path()), "of=/dev/null", "bs=512", "count=1"};
    disk.devices = {{.path = (*loop)->path(),
                     .type = 'b',
                     .major = (*loop)->device_major(),
                     .minor = (*loop)->device_minor()}};
    const CommandResult read = Run(disk);
    EXPECT_TRUE(read.exit.success()) << Printed(read);
  }
  EventsAfterStop(0);
}

TEST_F(ContainerGuardTest, AutoBackendSaysWhichAndWhy) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const std::string log = agent().StderrText();
  if (backend_ == Backend::kTracepoint) {
    // Said once, with the reason BPF LSM was not used.
    EXPECT_THAT(log, HasSubstr("exec guard backend: tracepoint"));
    EXPECT_THAT(log, HasSubstr("BPF LSM not used: "));
    EXPECT_THAT(log, Not(HasSubstr("--exec-backend=tracepoint")));
  } else {
    EXPECT_THAT(log, HasSubstr("exec guard backend: lsm"));
    EXPECT_THAT(log, Not(HasSubstr("BPF LSM not used")));
  }
  StopAgent();
}

TEST_F(ContainerGuardTest, TracepointBackendOnRequest) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard({"--exec-backend=tracepoint"}));
  EXPECT_EQ(backend_, Backend::kTracepoint);
  EXPECT_THAT(agent().StderrText(), HasSubstr("BPF LSM not used: --exec-backend=tracepoint"));
  const ContainerSpec spec =
      Spec(*runner_, "ctr-sysadmin", DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"}));
  const CommandResult ran = Run(spec);
  EXPECT_EQ(ran.exit.code, 137) << Printed(ran);
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *runner_, spec, {"SYS_ADMIN"}, {});
}

TEST_F(ContainerGuardTest, LsmBackend) {
  WritePolicy(kPolicy, ContainersPolicy("{privileged: deny}"));
  ASSERT_NO_FATAL_FAILURE(StartGuard());
  const Backend automatic = backend_;
  const std::string auto_log = agent().StderrText();
  StopAgent();

  if (automatic == Backend::kTracepoint) {
    // A stopped agent leaves nothing attached ...
    ASSERT_THAT(AttachedPrograms(), IsEmpty());
    // This kernel refuses BPF LSM: asking for it is an error at start that
    // names it, before anything is enforced.
    absl::StatusOr<AgentProcess> lsm = AgentProcess::Start(
        kAgentBinary, {"--policy", policy_dir(), "--inventory", inventory_path(), "--cgroup-root",
                       testbed_->cgroup_root(), "--bpffs", bpffs_dir(), "--exec-backend=lsm",
                       "--metrics-address=127.0.0.1:0", "--admin-socket=off"});
    ASSERT_TRUE(lsm.ok()) << lsm.status();
    const std::optional<testbed::ExitStatus> exit = lsm->Wait(kAgentReady);
    ASSERT_TRUE(exit.has_value()) << "the agent started with --exec-backend=lsm:\n"
                                  << lsm->StderrText();
    EXPECT_FALSE(exit->success());
    ASSERT_TRUE(lsm->WaitForOutputEnd(kAgentReacts));
    EXPECT_THAT(lsm->StderrText(), HasSubstr("--exec-backend=lsm"));
    EXPECT_THAT(lsm->StderrText(), HasSubstr("BPF LSM"));
    EXPECT_THAT(lsm->StderrText(), Not(HasSubstr("ready: ")));
    EXPECT_THAT(lsm->StdoutLines(), IsEmpty());
    // ... and one that could not start attaches nothing.
    EXPECT_THAT(AttachedPrograms(), IsEmpty());
    EXPECT_THAT(Pins(), IsEmpty()) << "the failed start removed the pins it made";
    const size_t said = auto_log.find("exec guard backend: ");
    GTEST_SKIP() << "BPF LSM is not available on this kernel; the agent with "
                    "--exec-backend=auto said: "
                 << auto_log.substr(said, auto_log.find('\n', said) - said);
  }

  ASSERT_NO_FATAL_FAILURE(StartGuard({"--exec-backend=lsm"}));
  ASSERT_EQ(backend_, Backend::kLsm);
  const ContainerSpec spec =
      Spec(*runner_, "ctr-sysadmin", DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"}));
  ExpectStopped(Run(spec));
  const std::vector<events::Event> events = EventsAfterStop(1);
  ASSERT_EQ(events.size(), 1u);
  ExpectPrivileged(events[0], "blocked", *runner_, spec, {"SYS_ADMIN"}, {});
  EXPECT_EQ(events[0].backend(), "lsm");
}

}  // namespace
}  // namespace nsfence::e2e
