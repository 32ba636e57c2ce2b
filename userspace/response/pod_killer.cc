#include "response/pod_killer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::response {
namespace {

constexpr int kKillPasses = 5;

// Pids in `dir`'s cgroup.procs and those of every cgroup below it.
std::vector<pid_t> ProcessesBelow(const std::string& dir) {
  std::vector<pid_t> pids;
  std::error_code ec;
  std::vector<std::string> dirs = {dir};
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  }
  for (const std::string& d : dirs) {
    std::ifstream procs(d + "/cgroup.procs");
    // 0 stands for a process outside the agent's pid namespace: not
    // signalable from here (and kill(0) would hit the agent's own group).
    for (pid_t pid; procs >> pid;) {
      if (pid > 0) pids.push_back(pid);
    }
  }
  return pids;
}

}  // namespace

absl::StatusOr<KillResult> KillPodProcesses(const std::string& pod_dir) {
  if (access(pod_dir.c_str(), F_OK) != 0) {
    return ErrnoStatus(errno, absl::StrCat("pod cgroup ", pod_dir));
  }
  KillResult result;
  result.processes = ProcessesBelow(pod_dir).size();
  const std::string kill_file = pod_dir + "/cgroup.kill";
  if (const int fd = open(kill_file.c_str(), O_WRONLY | O_CLOEXEC); fd >= 0) {
    const bool written = write(fd, "1", 1) == 1;
    const int err = errno;
    close(fd);
    if (!written) return ErrnoStatus(err, absl::StrCat("writing ", kill_file));
    result.used_cgroup_kill = true;
    return result;
  }
  for (int pass = 0; pass < kKillPasses; ++pass) {
    const std::vector<pid_t> pids = ProcessesBelow(pod_dir);
    if (pids.empty()) return result;
    for (const pid_t pid : pids) kill(pid, SIGKILL);  // ESRCH: already gone
    usleep(10000);  // let the kernel reap before looking again
  }
  if (!ProcessesBelow(pod_dir).empty()) {
    return absl::UnavailableError(absl::StrCat("processes of ", pod_dir, " kept appearing after ", kKillPasses,
                                               " passes of SIGKILL (forking faster than they die)"));
  }
  return result;
}

}  // namespace nsfence::response
