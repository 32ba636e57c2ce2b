#include "agent_pipe.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"

namespace nsfence::bench {
namespace {

// The agent's first lines, checked by the benchmark.
constexpr size_t kKeptLines = 8;
constexpr int kPipeBytes = 1 << 20;
constexpr absl::Duration kPoll = absl::Milliseconds(20);

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecAgent(const std::vector<char*>& argv, int stdout_fd, int log_fd,
                            const cpu_set_t* cpus, pid_t parent) {
  // Should the benchmark die, the agent still detaches and removes its pins.
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(127);
  if (dup2(stdout_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0) _exit(127);
  if (cpus != nullptr) (void)sched_setaffinity(0, sizeof(*cpus), cpus);
  execv(argv[0], argv.data());
  _exit(127);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentPipe>> AgentPipe::Start(const AgentPipeLaunch& launch) {
  const int log_fd = open(launch.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", launch.log_path));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    const int error = errno;
    close(log_fd);
    return ErrnoStatus(error, "pipe2");
  }
  // Room for bursts while the reader is off the CPU (best effort).
  (void)fcntl(fds[1], F_SETPIPE_SZ, kPipeBytes);
  std::vector<std::string> words = {launch.binary};
  words.insert(words.end(), launch.args.begin(), launch.args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int cpu : launch.cpus) CPU_SET(cpu, &cpus);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecAgent(argv, fds[1], log_fd, launch.cpus.empty() ? nullptr : &cpus, parent);
  const int fork_error = errno;
  close(fds[1]);
  close(log_fd);
  if (pid < 0) {
    close(fds[0]);
    return ErrnoStatus(fork_error, "fork");
  }
  return std::unique_ptr<AgentPipe>(new AgentPipe(pid, launch.log_path, fds[0]));
}

AgentPipe::AgentPipe(pid_t pid, std::string log_path, int stdout_fd)
    : pid_(pid), log_path_(std::move(log_path)), counter_(std::make_unique<LineCounter>(stdout_fd, kKeptLines)) {}

AgentPipe::~AgentPipe() { Stop(absl::Seconds(10)); }

std::string AgentPipe::LogText() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool AgentPipe::Exited() {
  if (reaped_) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    exit_status_ = r == pid_ ? status : -1;
  }
  return reaped_;
}

bool AgentPipe::WaitForLog(const std::string& text, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (absl::StrContains(LogText(), text)) return true;
    if (Exited() || absl::Now() >= deadline) return false;
    absl::SleepFor(kPoll);
  }
}

bool AgentPipe::Stop(absl::Duration grace) {
  if (!reaped_) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + grace;
    while (!Exited() && absl::Now() < deadline) absl::SleepFor(kPoll);
    if (!Exited()) {
      kill(pid_, SIGKILL);
      while (!Exited()) absl::SleepFor(kPoll);
      exit_status_ = -1;
    }
  }
  counter_->WaitForEnd();
  return WIFEXITED(exit_status_) && WEXITSTATUS(exit_status_) == 0;
}

}  // namespace nsfence::bench
