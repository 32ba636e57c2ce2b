// nsfence-podexec --cgroup DIR [--netns NAME] -- CMD ARGS...
//
// Runs CMD in cgroup DIR and network namespace /run/netns/NAME, the way a
// container runtime places a pod's processes: first into the cgroup, then
// into the namespace, then exec (same pid throughout). Unlike
// `ip netns exec` it leaves the mount namespace, and so cgroupfs, alone.
// Exits 125 when it fails itself; otherwise CMD's exit status is its own.
#include <fcntl.h>
#include <sched.h>
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
               "usage: nsfence-podexec --cgroup DIR [--netns NAME] -- CMD ARGS...\n",
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

}  // namespace

int main(int argc, char** argv) {
  std::string cgroup;
  std::string netns;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    const std::string flag = argv[i];
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
  execvp(command[0], command);
  Fail(std::string("exec ") + command[0], errno);
}
