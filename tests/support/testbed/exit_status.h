// How a child process ended.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_EXIT_STATUS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_EXIT_STATUS_H_

#include <string>

namespace nsfence::testbed {

struct ExitStatus {
  // The exit code; 128 + signal when killed by a signal, as shells report it;
  // -1 when the status was lost (the child was reaped elsewhere).
  int code = 0;
  // The signal that killed the process, 0 when it exited.
  int signal = 0;

  static ExitStatus FromWaitStatus(int wait_status);
  bool success() const { return code == 0 && signal == 0; }
  // "exit code 1" or "killed by SIGKILL".
  std::string ToString() const;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_EXIT_STATUS_H_
