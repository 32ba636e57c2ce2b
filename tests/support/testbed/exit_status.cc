#include "support/testbed/exit_status.h"

#include <sys/wait.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace nsfence::testbed {

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    return {.code = 128 + signal, .signal = signal};
  }
  return {.code = WEXITSTATUS(wait_status), .signal = 0};
}

std::string ExitStatus::ToString() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return name != nullptr ? absl::StrCat("killed by SIG", name)
                           : absl::StrCat("killed by signal ", signal);
  }
  return absl::StrCat("exit code ", code);
}

}  // namespace nsfence::testbed
