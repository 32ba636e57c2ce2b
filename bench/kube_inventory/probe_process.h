// One nsfence-netprobe run in a pod, as a child process whose output goes to
// a pipe read only once it has ended: no thread per probe, so that a hundred
// probes a second cost the benchmark next to nothing.
#ifndef NSFENCE_BENCH_KUBE_INVENTORY_PROBE_PROCESS_H_
#define NSFENCE_BENCH_KUBE_INVENTORY_PROBE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::bench {

// What netprobe prints: "ok", or "error <ERRNONAME> <strerror>".
inline constexpr char kProbeOk[] = "ok";
// Refused by the agent at connect().
inline constexpr char kProbeDenied[] = "error EPERM Operation not permitted";

class ProbeProcess {
 public:
  // Starts argv[0] (a path) with stdout and stderr to one pipe.
  static absl::StatusOr<ProbeProcess> Start(const std::vector<std::string>& argv);
  ProbeProcess(ProbeProcess&& other) noexcept;
  ProbeProcess& operator=(ProbeProcess&&) = delete;
  ProbeProcess(const ProbeProcess&) = delete;
  ProbeProcess& operator=(const ProbeProcess&) = delete;
  // Kills and reaps it if Finish was never called.
  ~ProbeProcess();

  // Waits up to `timeout` for the probe to end (SIGKILL after it); returns
  // its first output line, or "unfinished" / "exited <status>: <output>"
  // when it printed no result line.
  std::string Finish(absl::Duration timeout);

 private:
  ProbeProcess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}

  pid_t pid_ = -1;     // -1 once reaped
  int output_fd_ = -1;
};

// A probe's argv: `podexec --cgroup CGROUP --netns NETNS --as-container --
// netprobe ARGS...`: netprobe runs as a container's process would (the
// runtime's default capabilities, pid, ipc and mount namespaces of its own),
// not as a privileged one, which a pod isolated as unknown may not exec.
std::vector<std::string> ProbeCommand(const std::string& podexec, const std::string& cgroup, const std::string& netns,
                                      const std::string& netprobe, const std::vector<std::string>& args);
// netprobe's arguments for a TCP connection to ip:port.
std::vector<std::string> TcpConnectArgs(const std::string& ip, int port, absl::Duration timeout);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_KUBE_INVENTORY_PROBE_PROCESS_H_
