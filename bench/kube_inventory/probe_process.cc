#include "probe_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"

extern char** environ;

namespace nsfence::bench {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(1);

std::string ExitText(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("status ", status);
}

}  // namespace

absl::StatusOr<ProbeProcess> ProbeProcess::Start(const std::vector<std::string>& argv) {
  int fds[2];
  // Close-on-exec: other children must not hold the write end open.
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& word : argv) c_argv.push_back(const_cast<char*>(word.c_str()));
  c_argv.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, c_argv[0], &actions, &attributes, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(fds[1]);
  if (error != 0) {
    close(fds[0]);
    return ErrnoStatus(error, absl::StrCat("starting ", argv[0]));
  }
  return ProbeProcess(pid, fds[0]);
}

ProbeProcess::ProbeProcess(ProbeProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), output_fd_(std::exchange(other.output_fd_, -1)) {}

ProbeProcess::~ProbeProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (output_fd_ >= 0) close(output_fd_);
}

std::string ProbeProcess::Finish(absl::Duration timeout) {
  if (pid_ <= 0) return "finished already";
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  bool finished = false;
  for (;;) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      finished = r == pid_;
      break;
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(kPoll);
  }
  if (!finished) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  // The writer is gone: the pipe holds all it wrote (a line or two).
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = read(output_fd_, buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  close(output_fd_);
  output_fd_ = -1;
  std::string line(absl::StripTrailingAsciiWhitespace(output.substr(0, output.find('\n'))));
  if (!finished) return absl::StrCat("unfinished after ", absl::FormatDuration(timeout), ": ", line);
  if (absl::StartsWith(line, "ok") || absl::StartsWith(line, "error ")) return line;
  return absl::StrCat(ExitText(status), ": ", absl::StripTrailingAsciiWhitespace(output));
}

std::vector<std::string> ProbeCommand(const std::string& podexec, const std::string& cgroup, const std::string& netns,
                                      const std::string& netprobe, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {podexec, "--cgroup", cgroup, "--netns", netns, "--as-container", "--", netprobe};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> TcpConnectArgs(const std::string& ip, int port, absl::Duration timeout) {
  return {"tcp-connect", ip, absl::StrCat(port), "--timeout-ms", absl::StrCat(absl::ToInt64Milliseconds(timeout))};
}

}  // namespace nsfence::bench
