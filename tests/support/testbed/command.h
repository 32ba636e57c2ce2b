// Runs a program to completion (no shell) and captures what it printed.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_COMMAND_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "support/testbed/exit_status.h"

namespace nsfence::testbed {

struct CommandResult {
  ExitStatus exit;
  std::string stdout_text;
  std::string stderr_text;
};

struct CommandOptions {
  absl::Duration timeout = absl::Seconds(30);
  // Fed to the program's stdin; empty: /dev/null.
  std::string stdin_text;
};

// Fails only when the program cannot be started or does not finish within
// the timeout (it is then killed); a non-zero exit is a result.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const CommandOptions& options = {});

// Like RunCommand, but a non-zero exit is an error that quotes stderr.
absl::Status RunSuccessfully(const std::vector<std::string>& argv,
                             const CommandOptions& options = {});

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_COMMAND_H_
