// Real containers for end-to-end tests: runc with a private state directory
// (--root), one bundle per container in a scratch directory, and the shared
// busybox rootfs (busybox_rootfs.h). Every runc call has a timeout, so a
// hung runtime fails a test instead of hanging the suite.
//
//   auto runtime = ContainerRuntime::Create();
//   ASSERT_TRUE(runtime.ok()) << runtime.status();
//   absl::StatusOr<CommandResult> ran = (*runtime)->Run(
//       {.name = "probe", .args = {"true"}, .cgroups_path = "/nsfence-test-1-0/job-a/runner/ctr"});
//   auto sleeper = (*runtime)->Start({.name = "sleeper", .cgroups_path = ...});
//   absl::StatusOr<CommandResult> execd = (*sleeper)->Exec(
//       {.args = {"true"}, .capabilities = DefaultCapabilitiesPlus({"CAP_SYS_ADMIN"})});
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_RUNTIME_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_RUNTIME_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/testbed/background_process.h"
#include "support/testbed/command.h"
#include "support/testbed/oci_config.h"

namespace nsfence::testbed {

class RunningContainer;

class ContainerRuntime {
 public:
  static constexpr absl::Duration kRunTimeout = absl::Seconds(30);
  static constexpr absl::Duration kStartTimeout = absl::Seconds(15);

  // An error naming what is missing: runc, or a static busybox.
  static absl::Status CheckTools();

  // First removes what crashed test processes left behind (container_sweep.h).
  static absl::StatusOr<std::unique_ptr<ContainerRuntime>> Create();

  ContainerRuntime(const ContainerRuntime&) = delete;
  ContainerRuntime& operator=(const ContainerRuntime&) = delete;
  // Deletes the containers still there and removes the scratch directory.
  ~ContainerRuntime();

  // `runc run` to completion: its exit status (the container process's,
  // 128 + signal when that was killed; runc's own failures are non-zero
  // too, with runc's error on stderr) and what was printed. The container
  // is deleted afterwards, also when it timed out (an error).
  absl::StatusOr<CommandResult> Run(const ContainerSpec& spec,
                                    absl::Duration timeout = kRunTimeout);

  // `runc run` in the background (args empty: `sleep 60`); returns once
  // `runc state` says it is running. Must not outlive this runtime.
  absl::StatusOr<std::unique_ptr<RunningContainer>> Start(ContainerSpec spec,
                                                          absl::Duration timeout = kStartTimeout);

  // runc's --root.
  const std::string& state_dir() const { return state_dir_; }

 private:
  friend class RunningContainer;

  ContainerRuntime(std::string scratch_dir, std::string rootfs);
  // A unique runc id and its bundle directory with config.json.
  absl::StatusOr<std::pair<std::string, std::string>> PrepareBundle(const ContainerSpec& spec);
  std::vector<std::string> Runc(std::vector<std::string> args) const;
  // runc delete -f, the v1 cgroup directories runc made, the bundle.
  void Delete(const std::string& id, const std::string& bundle, const std::string& cgroups_path);

  std::string scratch_dir_;
  std::string state_dir_;
  std::string rootfs_;
  int next_exec_ = 0;
};

// A container started by ContainerRuntime::Start; deleted (killed) on
// destruction.
class RunningContainer {
 public:
  RunningContainer(const RunningContainer&) = delete;
  RunningContainer& operator=(const RunningContainer&) = delete;
  ~RunningContainer();

  const std::string& id() const { return id_; }
  // Its first process, in this process's pid namespace.
  pid_t pid() const { return pid_; }
  // `runc state`'s status: "running", "stopped", ...
  absl::StatusOr<std::string> State() const;
  bool Running() const;

  // `runc exec --process` to completion: the exit status (128 + signal
  // when the process was killed) and what was printed.
  absl::StatusOr<CommandResult> Exec(const ProcessSpec& process,
                                     absl::Duration timeout = ContainerRuntime::kRunTimeout);

  // What `runc run` (the container's first process, and runc) printed so far.
  std::string StdoutText() const { return runc_run_.StdoutText(); }
  std::string StderrText() const { return runc_run_.StderrText(); }

 private:
  friend class ContainerRuntime;
  RunningContainer(ContainerRuntime* runtime, std::string id, std::string bundle,
                   std::string cgroups_path, BackgroundProcess runc_run)
      : runtime_(runtime),
        id_(std::move(id)),
        bundle_(std::move(bundle)),
        cgroups_path_(std::move(cgroups_path)),
        runc_run_(std::move(runc_run)) {}

  ContainerRuntime* runtime_;
  std::string id_;
  std::string bundle_;
  std::string cgroups_path_;
  BackgroundProcess runc_run_;
  pid_t pid_ = 0;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_CONTAINER_RUNTIME_H_
