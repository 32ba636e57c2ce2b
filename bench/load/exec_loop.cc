#include "load/exec_loop.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace nsfence::bench {
namespace {

// Exit code of this process (and of the worker) when the placement failed.
constexpr int kSetupFailure = 3;
// Exit code of a child whose execve failed.
constexpr int kExecFailed = 127;

[[noreturn]] void Fail(const std::string& what, int err) {
  std::fprintf(stderr, "nsfence-bench-load: %s: %s\n", what.c_str(), std::strerror(err));
  std::fflush(stderr);
  _exit(kSetupFailure);
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

std::string SignalName(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? std::string("SIG") + name : std::to_string(sig);
}

// The highest capability number this kernel knows.
int LastCapability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = 0;
  if (!(in >> last) || last < 0 || last > 63) Fail("reading /proc/sys/kernel/cap_last_cap", EINVAL);
  return last;
}

// In this process, before the worker is forked: the pod's network
// namespace, and mount, pid and IPC namespaces of its own (the pid one is
// the worker's: the next child is its pid 1).
void EnterNamespaces(const ContainerPlacement& placement) {
  const int netns = open(placement.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns < 0) Fail("open " + placement.netns_path, errno);
  if (setns(netns, CLONE_NEWNET) != 0) Fail("setns " + placement.netns_path, errno);
  close(netns);
  if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC) != 0) {
    Fail("unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC)", errno);
  }
  // Like a runtime: nothing mounted here propagates to the node.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Fail("making / private in the new mount namespace", errno);
  }
}

// In the worker: into the pod's cgroup, and the bounding set reduced.
void PlaceWorker(const ContainerPlacement& placement, int last_cap) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail("PR_SET_PDEATHSIG", errno);
  const std::string procs = placement.cgroup + "/cgroup.procs";
  const int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) Fail("open " + procs, errno);
  // "0": the writer itself (its pid here is 1, of its own pid namespace).
  if (write(fd, "0", 1) != 1) Fail("join cgroup: write " + procs, errno);
  close(fd);
  if (!placement.bounding_set) return;
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((*placement.bounding_set >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      Fail("PR_CAPBSET_DROP " + std::to_string(cap), errno);
    }
  }
}

// Forks the worker, which places itself and runs `body` (its exit code);
// returns the worker's exit code.
template <typename Body>
int InWorker(const ContainerPlacement& placement, Body body) {
  const int last_cap = LastCapability();
  EnterNamespaces(placement);
  std::fflush(nullptr);
  const pid_t worker = fork();
  if (worker < 0) Fail("fork of the worker", errno);
  if (worker == 0) {
    PlaceWorker(placement, last_cap);
    const int code = body();
    std::fflush(nullptr);
    _exit(code);
  }
  int status = 0;
  while (waitpid(worker, &status, 0) < 0) {
    if (errno != EINTR) Fail("waitpid of the worker", errno);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "nsfence-bench-load: the exec worker was killed by %s\n",
               SignalName(WTERMSIG(status)).c_str());
  return kSetupFailure;
}

// A child that execs `program` with no arguments and an empty environment.
[[noreturn]] void ExecChild(const char* program, int errno_fd) {
  char* const argv[] = {const_cast<char*>(program), nullptr};
  char* const envp[] = {nullptr};
  execve(program, argv, envp);
  if (errno_fd >= 0) {
    const int err = errno;
    (void)!write(errno_fd, &err, sizeof(err));
  }
  _exit(kExecFailed);
}

// Empty when the child exited 0; otherwise what went wrong.
std::string OneExec(const char* program) {
  const pid_t child = fork();
  if (child < 0) return "fork-" + ErrnoName(errno);
  if (child == 0) ExecChild(program, -1);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return "waitpid-" + ErrnoName(errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFSIGNALED(status)) return SignalName(WTERMSIG(status));
  return "exit-" + std::to_string(WEXITSTATUS(status));
}

struct Tally {
  int64_t execs = 0;
  int64_t failures = 0;
  std::string first_failure;
};

// Until `until` or the first failure.
void Loop(const char* program, Clock::time_point until, Tally* tally) {
  while (tally->failures == 0 && Clock::now() < until) {
    std::string failure = OneExec(program);
    if (failure.empty()) {
      ++tally->execs;
    } else {
      ++tally->failures;
      tally->first_failure = std::move(failure);
    }
  }
}

}  // namespace

int RunExecLoop(const ContainerPlacement& placement, const std::string& program,
                const RunPhases& phases) {
  return InWorker(placement, [&] {
    Tally warmup, measured;
    const Clock::time_point warm_until =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(phases.warmup);
    Loop(program.c_str(), warm_until, &warmup);
    const Clock::time_point start = Clock::now();
    const Clock::time_point end =
        start + std::chrono::duration_cast<Clock::duration>(phases.measured);
    if (warmup.failures == 0) Loop(program.c_str(), end, &measured);
    // The last exec may end after `end`.
    const double seconds = SecondsBetween(start, std::max(end, Clock::now()));
    const int64_t failures = warmup.failures + measured.failures;
    std::printf("execs=%lld seconds=%.3f warmup_execs=%lld failures=%lld",
                static_cast<long long>(measured.execs), seconds,
                static_cast<long long>(warmup.execs), static_cast<long long>(failures));
    if (failures > 0) {
      std::printf(" first_failure=%s",
                  (warmup.failures > 0 ? warmup : measured).first_failure.c_str());
    }
    std::printf("\n");
    return failures == 0 ? 0 : 1;
  });
}

int RunExecProbe(const ContainerPlacement& placement, const std::string& program) {
  return InWorker(placement, [&] {
    int errno_pipe[2];
    if (pipe2(errno_pipe, O_CLOEXEC) != 0) Fail("pipe2", errno);
    const pid_t child = fork();
    if (child < 0) Fail("fork", errno);
    if (child == 0) {
      close(errno_pipe[0]);
      ExecChild(program.c_str(), errno_pipe[1]);
    }
    close(errno_pipe[1]);
    int exec_errno = 0;
    const bool refused = read(errno_pipe[0], &exec_errno, sizeof(exec_errno)) ==
                         static_cast<ssize_t>(sizeof(exec_errno));
    close(errno_pipe[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) Fail("waitpid", errno);
    }
    if (refused) {
      std::printf("refused error=%s\n", ErrnoName(exec_errno).c_str());
    } else if (WIFSIGNALED(status)) {
      std::printf("killed signal=%s\n", SignalName(WTERMSIG(status)).c_str());
    } else {
      std::printf("exited status=%d\n", WEXITSTATUS(status));
    }
    return 0;
  });
}

}  // namespace nsfence::bench
