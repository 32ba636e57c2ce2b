// nsfence-podexec --cgroup DIR [--netns NAME] [--as-container] -- CMD ARGS...
//
// Runs CMD in cgroup DIR and network namespace /run/netns/NAME, the way a
// container runtime places a pod's processes: first into the cgroup, then
// into the namespace, then exec (same pid throughout). Unlike
// `ip netns exec` it leaves the mount namespace, and so cgroupfs, alone.
// --as-container: CMD also gets what a runtime gives a container that is not
// privileged: the default capability set only (as containerd's and Docker's
// default spec) and pid, ipc and mount namespaces of its own; the pid
// namespace takes a fork, so CMD is then a child that podexec waits for.
// Exits 125 when it fails itself; otherwise CMD's exit status is its own.
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kOwnFailure = 125;

[[noreturn]] void Fail(const std::string& what, int err) {
  std::fprintf(stderr, "nsfence-podexec: %s: %s\n", what.c_str(), std::strerror(err));
  std::exit(kOwnFailure);
}

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "nsfence-podexec: %s\n"
               "usage: nsfence-podexec --cgroup DIR [--netns NAME] [--as-container] -- CMD ARGS...\n",
               problem.c_str());
  std::exit(kOwnFailure);
}

void JoinCgroup(const std::string& dir) {
  const std::string procs = dir + "/cgroup.procs";
  const int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) Fail("join cgroup " + dir + ": open " + procs, errno);
  const std::string pid = std::to_string(getpid());
  if (write(fd, pid.data(), pid.size()) != static_cast<ssize_t>(pid.size())) {
    Fail("join cgroup " + dir + ": write " + procs, errno);
  }
  close(fd);
}

void EnterNetns(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail("enter network namespace: open " + path, errno);
  if (setns(fd, CLONE_NEWNET) != 0) Fail("enter network namespace: setns " + path, errno);
  close(fd);
}

// The default spec's capabilities: containerd's and Docker's.
constexpr int kDefaultCapabilities[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER,
                                        CAP_MKNOD,  CAP_NET_RAW,      CAP_SETGID, CAP_SETUID,
                                        CAP_SETFCAP, CAP_SETPCAP,     CAP_NET_BIND_SERVICE,
                                        CAP_SYS_CHROOT, CAP_KILL,     CAP_AUDIT_WRITE};

bool IsDefault(int cap) {
  for (int c : kDefaultCapabilities) {
    if (c == cap) return true;
  }
  return false;
}

// Returns in the child; the parent exits with the child's status.
void BecomeContainer() {
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (!IsDefault(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      Fail("drop capability " + std::to_string(cap), errno);
    }
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID) != 0) Fail("unshare", errno);
  const pid_t child = fork();
  if (child < 0) Fail("fork", errno);
  if (child == 0) return;
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) Fail("waitpid", errno);
  }
  if (WIFEXITED(status)) std::exit(WEXITSTATUS(status));
  std::exit(128 + WTERMSIG(status));
}

}  // namespace

int main(int argc, char** argv) {
  std::string cgroup;
  std::string netns;
  bool as_container = false;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    const std::string flag = argv[i];
    if (flag == "--as-container") {
      as_container = true;
      continue;
    }
    if (i + 1 >= argc) Usage(flag + " needs a value");
    if (flag == "--cgroup") {
      cgroup = argv[++i];
    } else if (flag == "--netns") {
      netns = argv[++i];
    } else {
      Usage("unknown option " + flag);
    }
  }
  if (cgroup.empty()) Usage("--cgroup is required");
  if (i + 1 >= argc) Usage("no command after --");
  char** command = argv + i + 1;

  JoinCgroup(cgroup);
  if (!netns.empty()) EnterNetns(netns);
  if (as_container) BecomeContainer();
  execvp(command[0], command);
  Fail(std::string("exec ") + command[0], errno);
}
