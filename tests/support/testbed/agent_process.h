// The agent (or any daemon under test) run as a child process: its stdout
// lines (JSON events) and stderr lines (logs) are captured for the test to
// wait on. Destruction stops it with SIGTERM first, so it can clean up
// after itself, and SIGKILL if it does not end in time.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_AGENT_PROCESS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_AGENT_PROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/testbed/background_process.h"

namespace nsfence::testbed {

// Inherited: WaitForStderr, WaitForStdoutLines, StdoutLines, StderrLines,
// StderrText (for failure messages), Signal, Kill, Terminate, Wait,
// exit_status.
class AgentProcess : public BackgroundProcess {
 public:
  // How long destruction waits after SIGTERM before SIGKILL.
  static constexpr absl::Duration kStopGrace = absl::Seconds(5);

  static absl::StatusOr<AgentProcess> Start(const std::string& binary,
                                            const std::vector<std::string>& args);

  AgentProcess(AgentProcess&&) noexcept = default;
  AgentProcess& operator=(AgentProcess&&) = delete;
  ~AgentProcess();

 private:
  explicit AgentProcess(BackgroundProcess process) : BackgroundProcess(std::move(process)) {}
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_AGENT_PROCESS_H_
