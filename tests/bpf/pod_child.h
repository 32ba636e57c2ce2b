// Runs test code as a pod would: in a forked child that joined a pod cgroup
// and a new, empty network namespace, so nothing it sends leaves the child's
// namespace and the BPF programs see it as the pod's.
#ifndef NSFENCE_TESTS_BPF_POD_CHILD_H_
#define NSFENCE_TESTS_BPF_POD_CHILD_H_

#include <sched.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>
#include <type_traits>

namespace nsfence::bpftest {

// What `body` returned in the child, or `failed` when the child could not
// join the cgroup or the namespace. `*child` (if given) gets its pid.
template <typename T>
T RunInPodChild(const std::string& cgroup, const std::function<T()>& body, T failed,
                pid_t* child = nullptr) {
  static_assert(std::is_trivially_copyable_v<T>, "the result crosses a pipe");
  int fds[2];
  if (pipe(fds) != 0) return failed;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    T result = failed;
    {
      std::ofstream procs(cgroup + "/cgroup.procs");
      procs << getpid() << std::flush;
      if (procs && unshare(CLONE_NEWNET) == 0) result = body();
    }
    (void)!write(fds[1], &result, sizeof(result));
    _exit(0);
  }
  close(fds[1]);
  T result = failed;
  if (read(fds[0], &result, sizeof(result)) != sizeof(result)) result = failed;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  if (child != nullptr) *child = pid;
  return result;
}

}  // namespace nsfence::bpftest

#endif  // NSFENCE_TESTS_BPF_POD_CHILD_H_
