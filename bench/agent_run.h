// One run of the real agent for one scenario: started on the testbed's
// cgroup root with a private bpffs directory, measured until it is ready,
// stopped with SIGTERM so that it detaches and removes its pins.
#ifndef NSFENCE_BENCH_AGENT_RUN_H_
#define NSFENCE_BENCH_AGENT_RUN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent_inputs.h"
#include "support/testbed/agent_process.h"

namespace nsfence::bench {

struct AgentLaunch {
  std::string binary;
  std::string cgroup_root;
  // Private to this benchmark; the agent mounts a bpffs there and removes it.
  std::string bpffs_dir;
  absl::Duration ready_timeout = absl::Minutes(2);
};

struct AgentStartup {
  // Wall time from spawning the agent.
  absl::Duration to_policy_applied;
  absl::Duration to_ready;
  // The agent's "policy applied: ..." log line (without its timestamp).
  std::string applied_line;
  // Resident memory once ready; 0 when unknown.
  int64_t rss_kib = 0;
  // CPU time (user + system) spent until ready.
  double cpu_seconds = 0;
};

struct AgentStop {
  absl::Duration took;
  // CPU time from ready to SIGTERM, i.e. while the load ran.
  double cpu_seconds_while_ready = 0;
  bool clean = false;  // exited 0 and removed its bpffs directory
};

class AgentRun {
 public:
  // Returns once the agent logged "ready:"; an error quotes its log.
  static absl::StatusOr<AgentRun> Start(const AgentLaunch& launch, const AgentInputs& inputs);

  AgentRun(AgentRun&&) noexcept = default;
  AgentRun& operator=(AgentRun&&) = delete;

  const AgentStartup& startup() const { return startup_; }
  // Where the agent pins its cgroup links, one per program, named after it.
  std::string links_dir() const { return bpffs_dir_ + "/links"; }
  std::string LogText() const { return process_.StderrText(); }

  // SIGTERM, then waits for the agent to exit (SIGKILL after the grace time).
  AgentStop Stop();

 private:
  AgentRun(testbed::AgentProcess process, std::string bpffs_dir, AgentStartup startup)
      : process_(std::move(process)),
        bpffs_dir_(std::move(bpffs_dir)),
        startup_(std::move(startup)) {}

  testbed::AgentProcess process_;
  std::string bpffs_dir_;
  AgentStartup startup_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_AGENT_RUN_H_
