#include "support/testbed/agent_process.h"

#include <utility>

#include "common/status_macros.h"

namespace nsfence::testbed {

absl::StatusOr<AgentProcess> AgentProcess::Start(const std::string& binary,
                                                 const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  NSF_ASSIGN_OR_RETURN(BackgroundProcess process, BackgroundProcess::Start(argv));
  return AgentProcess(std::move(process));
}

AgentProcess::~AgentProcess() {
  if (owns_process() && !exit_status().has_value()) Terminate(kStopGrace);
}

}  // namespace nsfence::testbed
