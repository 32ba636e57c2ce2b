// The real agent as a child process whose stdout is a pipe this process
// reads and counts (LineCounter) and whose log goes to a file, so that half a
// million lines a second cost the benchmark next to nothing. Stopped with
// SIGTERM (so that it detaches and removes its pins), SIGKILL after a grace
// time; on destruction too.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_AGENT_PIPE_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_AGENT_PIPE_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "line_counter.h"

namespace nsfence::bench {

struct AgentPipeLaunch {
  std::string binary;
  std::vector<std::string> args;
  // The agent's stderr.
  std::string log_path;
  // CPUs the agent may run on; empty: any.
  std::vector<int> cpus;
};

class AgentPipe {
 public:
  static absl::StatusOr<std::unique_ptr<AgentPipe>> Start(const AgentPipeLaunch& launch);
  AgentPipe(const AgentPipe&) = delete;
  AgentPipe& operator=(const AgentPipe&) = delete;
  ~AgentPipe();

  pid_t pid() const { return pid_; }
  const LineCounter& stdout_lines() const { return *counter_; }
  std::string LogText() const;
  // True once the log holds `text`; false after `timeout` or when the
  // agent exited.
  bool WaitForLog(const std::string& text, absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`; waits for the exit and the end of
  // stdout. True when the agent exited 0 by itself.
  bool Stop(absl::Duration grace);

 private:
  AgentPipe(pid_t pid, std::string log_path, int stdout_fd);
  bool Exited();

  pid_t pid_;
  std::string log_path_;
  std::unique_ptr<LineCounter> counter_;
  bool reaped_ = false;
  int exit_status_ = 0;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_AGENT_PIPE_H_
