// The container guard in the kernel: real execs in a pod cgroup, judged by
// the exec tracepoint (or BPF LSM where the kernel allows it) and the device
// program, with the policy written straight into the identity maps.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "bpf/kernel_fixture.h"
#include "common/capabilities.h"
#include "common/cgroup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/map_io.h"
#include "support/kernel_test.h"

namespace nsfence::bpftest {
namespace {

using loader::ExecBackendChoice;

constexpr uint32_t kIdentity = NSFENCE_FIRST_DYNAMIC_ID + 7;
constexpr uint32_t kPolicy = 41;
constexpr uint32_t kAuditPolicy = 42;

// How the child that execs is set up before it does.
struct Child {
  bool own_mount_ns = true;     // leave the node's mount namespace (any container does)
  bool own_pid_ns = false;      // exec from a new pid namespace (a forked grandchild)
  std::vector<int> drop_caps;   // removed from the bounding set first
  std::string program = "/bin/true";
};

// Wait status of `c.program` run in `cgroup` as `c` says; the exit status
// is 100 + errno when the exec itself failed.
int RunInCgroup(const std::string& cgroup, const Child& c) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::ofstream(cgroup + "/cgroup.procs") << getpid() << std::flush;
    if (c.own_mount_ns && unshare(CLONE_NEWNS) != 0) _exit(99);
    for (int cap : c.drop_caps) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) _exit(98);
    }
    if (c.own_pid_ns) {
      if (unshare(CLONE_NEWPID) != 0) _exit(97);
      const pid_t inner = fork();
      if (inner != 0) {
        int status = 0;
        waitpid(inner, &status, 0);
        if (WIFSIGNALED(status)) kill(getpid(), WTERMSIG(status));
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 96);
      }
    }
    execl(c.program.c_str(), c.program.c_str(), nullptr);
    _exit(100 + errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// errno of opening `path` from a process in `cgroup`, 0 when it opened.
int OpenErrnoInCgroup(const std::string& cgroup, const char* path) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::ofstream(cgroup + "/cgroup.procs") << getpid() << std::flush;
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    _exit(fd >= 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// /dev/kmsg (char 1:11) opens for root on this machine's host: outside the safe set.
constexpr char kUnsafeDevice[] = "/dev/kmsg";

bool KilledBySigkill(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
bool ExitedOk(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

class ExecGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    absl::StatusOr<std::unique_ptr<KernelFixture>> f = KernelFixture::Create();
    ASSERT_TRUE(f.ok()) << f.status();
    fixture_ = *std::move(f);
    absl::StatusOr<std::string> pod = fixture_->AddPodCgroup("job", "runner");
    ASSERT_TRUE(pod.ok()) << pod.status();
    pod_ = *pod;
    absl::StatusOr<std::string> other = fixture_->AddPodCgroup("other", "free");
    ASSERT_TRUE(other.ok()) << other.status();
    ungoverned_ = *other;
    absl::StatusOr<loader::ContainerGuard*> guard = fixture_->StartContainerGuard(ExecBackendChoice::kAuto);
    ASSERT_TRUE(guard.ok()) << guard.status();
    guard_ = *guard;
  }

  // Governs the pod with this exec policy (as the agent's materialize step would).
  void Govern(const nsfence_exec_policy& exec) {
    absl::StatusOr<uint64_t> id = cgroup::Id(pod_);
    ASSERT_TRUE(id.ok()) << id.status();
    nsfence_endpoint endpoint{};
    endpoint.identity = kIdentity;
    nsfence_identity identity{};
    identity.flags = NSFENCE_IDENTITY_NO_NETWORK;
    identity.exec = exec;
    const loader::SegmentationMaps& maps = fixture_->datapath().maps();
    ASSERT_TRUE(maps.identities->Update(&kIdentity, &identity).ok());
    ASSERT_TRUE(maps.endpoints->Update(&*id, &endpoint).ok());
  }

  static nsfence_exec_policy Deny(CapabilityMask caps, uint8_t host_ns = 0) {
    nsfence_exec_policy p{};
    p.denied_caps = caps;
    p.host_ns_denied = host_ns;
    p.policy = kPolicy;
    p.devices = NSFENCE_MODE_ENFORCE;
    return p;
  }

  bool Lsm() const { return guard_->backend() == NSFENCE_BACKEND_LSM; }
  // What a stopped exec looks like to its parent under the backend in use.
  bool Stopped(int status) const {
    return Lsm() ? WIFEXITED(status) && WEXITSTATUS(status) == 100 + EPERM : KilledBySigkill(status);
  }

  std::vector<nsfence_exec_event> ExecEvents() { return fixture_->DrainRecords<nsfence_exec_event>(NSFENCE_EVENT_EXEC); }
  std::vector<nsfence_device_event> DeviceEvents() {
    return fixture_->DrainRecords<nsfence_device_event>(NSFENCE_EVENT_DEVICE);
  }

  std::unique_ptr<KernelFixture> fixture_;
  loader::ContainerGuard* guard_ = nullptr;
  std::string pod_;
  std::string ungoverned_;
};

TEST_F(ExecGuardTest, StopsAnExecWhoseBoundingSetHoldsADeniedCapability) {
  Govern(Deny(PrivilegedCapabilities(0)));
  const int status = RunInCgroup(pod_, {});
  EXPECT_TRUE(Stopped(status)) << "wait status " << status;

  const std::vector<nsfence_exec_event> events = ExecEvents();
  ASSERT_EQ(events.size(), 1u);
  const nsfence_exec_event& e = events[0];
  EXPECT_EQ(e.action, NSFENCE_ACTION_BLOCKED);
  EXPECT_EQ(e.backend, guard_->backend());
  EXPECT_EQ(e.identity, kIdentity);
  EXPECT_EQ(e.policy, kPolicy);
  EXPECT_EQ(e.cgroup_id, *cgroup::Id(pod_));
  EXPECT_EQ(e.task_cgroup_id, *cgroup::Id(pod_));
  EXPECT_TRUE(e.offending_caps & CapabilityBit(kCapSysAdmin));
  EXPECT_EQ(e.offending_caps & RuntimeDefaultCapabilities(), 0u);
  EXPECT_EQ(e.offending_caps, e.bounding_caps & PrivilegedCapabilities(0));
  EXPECT_EQ(e.host_ns, 0);
  EXPECT_STREQ(e.filename, "/bin/true");
  EXPECT_STREQ(e.cgroup_name, "runner") << "the task cgroup's own name";
  EXPECT_GT(e.pid, 0u);
}

TEST_F(ExecGuardTest, RunsAnExecWithoutDeniedCapabilities) {
  Govern(Deny(CapabilityBit(kCapSysAdmin)));
  EXPECT_TRUE(ExitedOk(RunInCgroup(pod_, {.drop_caps = {kCapSysAdmin}})));
  EXPECT_THAT(ExecEvents(), ::testing::IsEmpty());
  // The same child with CAP_SYS_ADMIN kept is stopped: the drop is what let it run.
  EXPECT_TRUE(Stopped(RunInCgroup(pod_, {})));
  EXPECT_EQ(ExecEvents().size(), 1u);
}

TEST_F(ExecGuardTest, AuditedExecRunsAndIsReported) {
  nsfence_exec_policy p{};
  p.audited_caps = PrivilegedCapabilities(0);
  p.audit_policy = kAuditPolicy;
  Govern(p);
  EXPECT_TRUE(ExitedOk(RunInCgroup(pod_, {})));
  const std::vector<nsfence_exec_event> events = ExecEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, NSFENCE_ACTION_AUDITED);
  EXPECT_EQ(events[0].policy, kAuditPolicy);
  EXPECT_TRUE(events[0].offending_caps & CapabilityBit(kCapSysAdmin));
}

TEST_F(ExecGuardTest, SharingTheNodePidNamespaceIsStoppedWhenDenied) {
  Govern(Deny(0, NSFENCE_HOST_NS_PID));
  EXPECT_TRUE(Stopped(RunInCgroup(pod_, {})));
  std::vector<nsfence_exec_event> events = ExecEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].host_ns, NSFENCE_HOST_NS_PID);
  EXPECT_EQ(events[0].offending_caps, 0u);

  // In a pid namespace of its own the same exec runs.
  const int status = RunInCgroup(pod_, {.own_pid_ns = true});
  EXPECT_TRUE(ExitedOk(status)) << "wait status " << status;
  EXPECT_THAT(ExecEvents(), ::testing::IsEmpty());
}

TEST_F(ExecGuardTest, DetachingEndsEnforcement) {
  Govern(Deny(PrivilegedCapabilities(0)));
  ASSERT_TRUE(Stopped(RunInCgroup(pod_, {})));
  ASSERT_TRUE(guard_->DetachAndUnpin().ok());
  EXPECT_EQ(guard_->attached_links(), 0);
  EXPECT_TRUE(ExitedOk(RunInCgroup(pod_, {})));
  EXPECT_EQ(OpenErrnoInCgroup(pod_, kUnsafeDevice), 0);
}

TEST_F(ExecGuardTest, LeavesPodsItDoesNotGovernAlone) {
  Govern(Deny(PrivilegedCapabilities(0), NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_IPC));
  EXPECT_TRUE(ExitedOk(RunInCgroup(ungoverned_, {})));
  EXPECT_THAT(ExecEvents(), ::testing::IsEmpty());
}

TEST_F(ExecGuardTest, RuntimeStillInEveryNodeNamespaceIsNotJudged) {
  // runc init re-executes itself after joining the pod cgroup and before
  // entering the container's namespaces, with every capability.
  Govern(Deny(PrivilegedCapabilities(0), NSFENCE_HOST_NS_PID));
  EXPECT_TRUE(ExitedOk(RunInCgroup(pod_, {.own_mount_ns = false})));
  EXPECT_THAT(ExecEvents(), ::testing::IsEmpty());
}

TEST_F(ExecGuardTest, DeviceGuardDeniesDevicesOutsideTheSafeSet) {
  ASSERT_EQ(OpenErrnoInCgroup(pod_, kUnsafeDevice), 0) << "ungoverned, the device opens";
  Govern(Deny(0));
  EXPECT_EQ(OpenErrnoInCgroup(pod_, kUnsafeDevice), EPERM);
  EXPECT_EQ(OpenErrnoInCgroup(pod_, kUnsafeDevice), EPERM);
  for (const char* safe : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
    EXPECT_EQ(OpenErrnoInCgroup(pod_, safe), 0) << safe;
  }
  EXPECT_EQ(OpenErrnoInCgroup(ungoverned_, kUnsafeDevice), 0);

  // Two denials of one device by one pod within the fold window: one event.
  const std::vector<nsfence_device_event> events = DeviceEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, NSFENCE_ACTION_BLOCKED);
  EXPECT_EQ(events[0].type, NSFENCE_DEVICE_CHAR);
  EXPECT_EQ(events[0].major, 1u);
  EXPECT_EQ(events[0].minor, 11u);
  EXPECT_EQ(events[0].access, NSFENCE_DEVICE_READ);
  EXPECT_EQ(events[0].policy, kPolicy);
  EXPECT_EQ(events[0].cgroup_id, *cgroup::Id(pod_));
}

TEST_F(ExecGuardTest, DeviceGuardInAuditModeReports) {
  nsfence_exec_policy p{};
  p.devices = NSFENCE_MODE_AUDIT;
  p.audit_policy = kAuditPolicy;
  Govern(p);
  EXPECT_EQ(OpenErrnoInCgroup(pod_, kUnsafeDevice), 0);
  const std::vector<nsfence_device_event> events = DeviceEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, NSFENCE_ACTION_AUDITED);
  EXPECT_EQ(events[0].policy, kAuditPolicy);
}

// The backend is chosen by what the kernel allows: BPF LSM when it loads and
// attaches, and with auto the tracepoint otherwise, saying why.
TEST_F(ExecGuardTest, BackendFollowsWhatTheKernelAllows) {
  absl::StatusOr<std::unique_ptr<loader::ContainerGuard>> lsm = loader::ContainerGuard::Load({
      .bpffs_dir = fixture_->bpffs_dir(),
      .cgroup_root = fixture_->cgroup_root(),
      .backend = ExecBackendChoice::kLsm,
  });
  if (Lsm()) {
    EXPECT_TRUE(guard_->lsm_unavailable().empty());
    return;
  }
  ASSERT_FALSE(lsm.ok()) << "LSM loads, yet auto picked the tracepoint";
  EXPECT_EQ(lsm.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lsm.status().message(), ::testing::HasSubstr("BPF LSM"));
  EXPECT_THAT(lsm.status().message(), ::testing::HasSubstr("--exec-backend=auto"));
  EXPECT_EQ(guard_->backend(), NSFENCE_BACKEND_TRACEPOINT);
  EXPECT_THAT(guard_->lsm_unavailable(), ::testing::HasSubstr("BPF LSM"));
}

}  // namespace
}  // namespace nsfence::bpftest
