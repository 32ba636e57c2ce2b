// The container harness itself, without any agent: real runc containers
// land in the cgroup chosen below a testbed pod, get the capabilities and
// namespaces their spec asks for, can be exec'd into, can read a loop
// device they were given (so the device guard's test can fail), and leave
// nothing behind.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "support/testbed/capability_sets.h"
#include "support/testbed/container_runtime.h"
#include "support/testbed/legacy_cgroups.h"
#include "support/testbed/loop_device.h"
#include "support/testbed/pod_container.h"
#include "support/testbed/testbed.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint64_t kSysAdminBit = uint64_t{1} << 21;

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}


// What a container printed, for failure messages.
std::string Printed(const CommandResult& result) {
  return absl::StrCat(result.exit.ToString(), "; stdout: ", result.stdout_text,
                      "; stderr: ", result.stderr_text);
}

class ContainerHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    if (absl::Status tools = ContainerRuntime::CheckTools(); !tools.ok()) {
      NSFENCE_SKIP_KERNEL_TEST(tools.ToString());
    }
    absl::StatusOr<std::unique_ptr<Testbed>> created =
        Testbed::Create({.bin_dir = NSFENCE_BINARY_DIR "/bin"});
    ASSERT_TRUE(created.ok()) << created.status();
    testbed_ = *std::move(created);
    ASSERT_TRUE(testbed_->AddNamespace("job-a", {{"nsfence.io/tier", "job"}}).ok());
    absl::StatusOr<Pod*> pod = testbed_->AddPod("job-a", "runner");
    ASSERT_TRUE(pod.ok()) << pod.status();
    runner_ = *pod;
    absl::StatusOr<std::unique_ptr<ContainerRuntime>> runtime = ContainerRuntime::Create();
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  void TearDown() override {
    runtime_.reset();
    testbed_.reset();
  }

  ContainerSpec Spec(absl::string_view name, std::vector<std::string> args) {
    ContainerSpec spec = PodContainerSpec(*testbed_, *runner_, name);
    spec.args = std::move(args);
    return spec;
  }

  // Runs `spec`; a failure to run at all (timeout) fails the test.
  CommandResult Run(const ContainerSpec& spec) {
    absl::StatusOr<CommandResult> result = runtime_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : CommandResult{.exit = {.code = -1}};
  }

  std::unique_ptr<Testbed> testbed_;
  Pod* runner_ = nullptr;
  std::unique_ptr<ContainerRuntime> runtime_;
};

TEST_F(ContainerHarnessTest, DefaultSpecRunsInTheChosenCgroupWithRuncDefaultCapabilities) {
  const CommandResult ran = Run(Spec("ctr-true", {"true"}));
  EXPECT_TRUE(ran.exit.success()) << Printed(ran);

  const ContainerSpec spec =
      Spec("ctr-look", {"sh", "-c", "cat /proc/self/cgroup /proc/self/status"});
  const CommandResult looked = Run(spec);
  ASSERT_TRUE(looked.exit.success()) << Printed(looked);
  // The unified hierarchy's line names the directory chosen, below the pod.
  EXPECT_THAT(looked.stdout_text, HasSubstr(absl::StrCat("\n0::", spec.cgroups_path, "\n")));
  EXPECT_TRUE(absl::StartsWith(ContainerCgroup(*testbed_, spec), runner_->cgroup() + "/"));
  const absl::StatusOr<uint64_t> defaults = CapabilityMaskOf(RuncDefaultCapabilities());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(BoundingSetIn(looked.stdout_text), *defaults) << looked.stdout_text;
  // Its own pid namespace: the shell is pid 1.
  const CommandResult pid = Run(Spec("ctr-pid", {"sh", "-c", "echo $$"}));
  EXPECT_EQ(absl::StripAsciiWhitespace(pid.stdout_text), "1") << Printed(pid);
}

TEST_F(ContainerHarnessTest, RunningContainerIsInTheChosenUnifiedCgroup) {
  const ContainerSpec spec = Spec("ctr-sleeper", {});
  absl::StatusOr<std::unique_ptr<RunningContainer>> sleeper = runtime_->Start(spec);
  ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  EXPECT_TRUE((*sleeper)->Running());
  EXPECT_EQ(CgroupOf((*sleeper)->pid()), spec.cgroups_path);
  std::ifstream procs(ContainerCgroup(*testbed_, spec) + "/cgroup.procs");
  std::string first;
  procs >> first;
  EXPECT_EQ(first, absl::StrCat((*sleeper)->pid()));
  EXPECT_EQ(ReadFirstLine(absl::StrCat("/proc/", (*sleeper)->pid(), "/comm")), "sleep");
}

TEST_F(ContainerHarnessTest, AllCapabilitiesIsEverythingThisProcessHolds) {
  absl::StatusOr<std::vector<std::string>> all = AllCapabilities();
  ASSERT_TRUE(all.ok()) << all.status();
  ContainerSpec spec = Spec("ctr-all", {"cat", "/proc/self/status"});
  spec.capabilities = *all;
  const CommandResult ran = Run(spec);
  ASSERT_TRUE(ran.exit.success()) << Printed(ran);
  const absl::StatusOr<uint64_t> own = OwnBoundingSet();
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(BoundingSetIn(ran.stdout_text), *own) << ran.stdout_text;
  EXPECT_NE(*own & kSysAdminBit, 0u);
  // Far beyond the runtime's default set.
  EXPECT_GE(all->size(), 30u);
}

TEST_F(ContainerHarnessTest, DefaultPlusOneCapability) {
  ContainerSpec spec = Spec("ctr-plus", {"cat", "/proc/self/status"});
  spec.capabilities = DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"});
  const CommandResult ran = Run(spec);
  ASSERT_TRUE(ran.exit.success()) << Printed(ran);
  const absl::StatusOr<uint64_t> expected = CapabilityMaskOf(spec.capabilities);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(BoundingSetIn(ran.stdout_text), *expected) << ran.stdout_text;
}

TEST_F(ContainerHarnessTest, HostPidSeesTheNodesPidNamespace) {
  ContainerSpec spec =
      Spec("ctr-hostpid", {"sh", "-c", "readlink /proc/self/ns/pid; cat /proc/1/comm"});
  spec.host_pid = true;
  const CommandResult ran = Run(spec);
  ASSERT_TRUE(ran.exit.success()) << Printed(ran);
  std::error_code error;
  const std::string own_pid_ns = fs::read_symlink("/proc/self/ns/pid", error).string();
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(ran.stdout_text, absl::StrCat(own_pid_ns, "\n", ReadFirstLine("/proc/1/comm"), "\n"));
}

TEST_F(ContainerHarnessTest, ExecRunsAProcessWithItsOwnCapabilitiesInTheContainer) {
  const ContainerSpec spec = Spec("ctr-exec", {});
  absl::StatusOr<std::unique_ptr<RunningContainer>> sleeper = runtime_->Start(spec);
  ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  absl::StatusOr<CommandResult> execd =
      (*sleeper)->Exec({.args = {"sh", "-c", "cat /proc/self/cgroup /proc/self/status; echo $$"},
                        .capabilities = DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"})});
  ASSERT_TRUE(execd.ok()) << execd.status();
  ASSERT_TRUE(execd->exit.success()) << Printed(*execd);
  EXPECT_THAT(execd->stdout_text, HasSubstr(absl::StrCat("\n0::", spec.cgroups_path, "\n")));
  const std::optional<uint64_t> bounding = BoundingSetIn(execd->stdout_text);
  ASSERT_TRUE(bounding.has_value()) << execd->stdout_text;
  EXPECT_NE(*bounding & kSysAdminBit, 0u);
  // The container's pid namespace, where its first process is 1.
  EXPECT_FALSE(absl::EndsWith(execd->stdout_text, "\n1\n"));

  absl::StatusOr<CommandResult> failing = (*sleeper)->Exec({.args = {"sh", "-c", "exit 3"}});
  ASSERT_TRUE(failing.ok()) << failing.status();
  EXPECT_EQ(failing->exit.code, 3) << Printed(*failing);
  EXPECT_TRUE((*sleeper)->Running());
}

// What a container killed by the tracepoint exec guard exits with.
TEST_F(ContainerHarnessTest, ContainerProcessKilledBySigkillIs137) {
  // In a pid namespace of its own the shell would be init, immune to its
  // own SIGKILL.
  ContainerSpec spec = Spec("ctr-kill", {"sh", "-c", "kill -KILL $$; echo survived"});
  spec.host_pid = true;
  const CommandResult ran = Run(spec);
  EXPECT_EQ(ran.exit.code, 137) << Printed(ran);
  EXPECT_THAT(ran.stdout_text, IsEmpty());
}

TEST_F(ContainerHarnessTest, HungContainerTimesOutAndIsDeleted) {
  const ContainerSpec spec = Spec("ctr-hang", {"sleep", "60"});
  absl::StatusOr<CommandResult> result = runtime_->Run(spec, absl::Seconds(1));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  absl::StatusOr<CommandResult> listed =
      RunCommand({"runc", "--root", runtime_->state_dir(), "list", "-q"});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(listed->stdout_text, IsEmpty());
  EXPECT_FALSE(fs::exists(ContainerCgroup(*testbed_, spec)));
}

TEST_F(ContainerHarnessTest, LoopDeviceIsReadableFromAContainerGivenIt) {
  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create();
  if (!loop.ok()) NSFENCE_SKIP_KERNEL_TEST(loop.status().ToString());
  ContainerSpec spec = Spec(
      "ctr-disk", {"sh", "-c",
                   absl::StrCat("head -c ", sizeof(LoopDevice::kContents) - 1, " ", (*loop)->path(),
                                " && dd if=", (*loop)->path(), " of=/dev/null bs=512 count=1")});
  spec.devices = {{.path = (*loop)->path(),
                   .type = 'b',
                   .major = (*loop)->device_major(),
                   .minor = (*loop)->device_minor()}};
  const CommandResult ran = Run(spec);
  ASSERT_TRUE(ran.exit.success()) << Printed(ran);
  EXPECT_EQ(ran.stdout_text, LoopDevice::kContents);
  EXPECT_THAT(ran.stderr_text, HasSubstr("1+0 records in"));

  // Without the node (and the cgroup rule) there is nothing to read.
  const CommandResult without = Run(Spec("ctr-nodisk", {"head", "-c", "1", (*loop)->path()}));
  EXPECT_FALSE(without.exit.success()) << Printed(without);
}

TEST_F(ContainerHarnessTest, LeavesNothingBehind) {
  const ContainerSpec ran_spec = Spec("ctr-gone", {"true"});
  const CommandResult ran = Run(ran_spec);
  EXPECT_TRUE(ran.exit.success()) << Printed(ran);
  const ContainerSpec started_spec = Spec("ctr-started", {});
  {
    absl::StatusOr<std::unique_ptr<RunningContainer>> sleeper = runtime_->Start(started_spec);
    ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  }
  const std::string state_dir = runtime_->state_dir();
  runtime_.reset();
  EXPECT_FALSE(fs::exists(state_dir)) << state_dir;
  for (const ContainerSpec* spec : {&ran_spec, &started_spec}) {
    EXPECT_FALSE(fs::exists(ContainerCgroup(*testbed_, *spec))) << spec->cgroups_path;
    // Nor anything runc made in the v1 hierarchies, up to the testbed's root.
    const std::string top = fs::path(spec->cgroups_path).relative_path().begin()->string();
    for (const std::string& mount : LegacyCgroupMounts()) {
      EXPECT_FALSE(fs::exists(fs::path(mount) / top)) << mount << "/" << top;
    }
  }
}

}  // namespace
}  // namespace nsfence::testbed
