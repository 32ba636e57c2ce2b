// A child process started without a shell whose stdout and stderr are
// captured line by line in the background, so tests can wait for what it
// prints. Killed and reaped on destruction.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_BACKGROUND_PROCESS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_BACKGROUND_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "support/testbed/exit_status.h"

namespace nsfence::testbed {

using LinePredicate = std::function<bool(const std::string& line)>;

// Not thread-safe: use one object from one thread (output is captured by a
// thread of its own).
class BackgroundProcess {
 public:
  // Starts argv[0] (searched in PATH) with the given stdin contents (empty:
  // /dev/null) and this process's environment.
  static absl::StatusOr<BackgroundProcess> Start(const std::vector<std::string>& argv,
                                                 absl::string_view stdin_text = "");

  BackgroundProcess(BackgroundProcess&&) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&&) noexcept;
  ~BackgroundProcess();

  pid_t pid() const;

  // True once a stdout (stderr) line contains `text`; false after `timeout`,
  // or as soon as the stream closed without such a line.
  bool WaitForStdout(absl::string_view text, absl::Duration timeout);
  bool WaitForStderr(absl::string_view text, absl::Duration timeout);
  // True once `count` stdout lines satisfy `predicate`; false as above.
  bool WaitForStdoutLines(const LinePredicate& predicate, int count, absl::Duration timeout);
  // True once both streams are closed, i.e. all output is captured.
  bool WaitForOutputEnd(absl::Duration timeout);

  // Lines printed so far, without their newline.
  std::vector<std::string> StdoutLines() const;
  std::vector<std::string> StderrLines() const;
  // Everything printed so far, verbatim (for failure messages).
  std::string StdoutText() const;
  std::string StderrText() const;

  absl::Status Signal(int signal);
  // The exit status once the process ended; nullopt after `timeout`.
  std::optional<ExitStatus> Wait(absl::Duration timeout);
  // SIGKILL, then reap.
  ExitStatus Kill();
  // SIGTERM; SIGKILL when still running after `timeout`.
  ExitStatus Terminate(absl::Duration timeout);
  // Set once the process has been reaped (by Wait, Kill or Terminate).
  const std::optional<ExitStatus>& exit_status() const;

 protected:
  // True while this object owns a process (false once moved from).
  bool owns_process() const { return state_ != nullptr; }

 private:
  struct State;
  explicit BackgroundProcess(std::unique_ptr<State> state);
  void Release();

  std::unique_ptr<State> state_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_BACKGROUND_PROCESS_H_
