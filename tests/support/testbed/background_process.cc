#include "support/testbed/background_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

extern char** environ;

namespace nsfence::testbed {
namespace {

// A file descriptor closed when it goes out of scope, unless released.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.release()) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = other.release();
    }
    return *this;
  }
  ~OwnedFd() { Close(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  void Close() {
    if (fd_ >= 0) close(fd_);
  }

  int fd_;
};

struct Pipe {
  OwnedFd read_end;
  OwnedFd write_end;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  // Close-on-exec so processes spawned by other threads do not inherit it.
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
  Pipe pipe{OwnedFd(fds[0]), OwnedFd(fds[1])};
  // Only our end: the child's stdout must stay blocking.
  if (fcntl(pipe.read_end.get(), F_SETFL, O_NONBLOCK) != 0) {
    return ErrnoStatus(errno, "fcntl O_NONBLOCK");
  }
  return pipe;
}

absl::StatusOr<OwnedFd> MemoryFileWith(absl::string_view contents) {
  OwnedFd fd(memfd_create("stdin", MFD_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "memfd_create");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) return ErrnoStatus(errno, "write stdin contents");
    written += n;
  }
  if (lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoStatus(errno, "lseek stdin contents");
  return fd;
}

// poll() timeout in milliseconds until `deadline`, rounded up; -1 for never.
int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), INT_MAX));
}

std::chrono::steady_clock::time_point SteadyDeadline(absl::Duration timeout) {
  // Clamped: condition variables misbehave with time_point::max().
  const absl::Duration bounded = std::min(timeout, absl::Hours(24 * 365));
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(bounded);
}

// One captured output stream.
struct Stream {
  std::string text;
  std::vector<std::string> lines;
  size_t split_until = 0;  // `text` before this offset is already in `lines`
  bool closed = false;

  void Append(const char* data, size_t size) {
    text.append(data, size);
    for (size_t newline; (newline = text.find('\n', split_until)) != std::string::npos;) {
      lines.emplace_back(text, split_until, newline - split_until);
      split_until = newline + 1;
    }
  }
  void Close() {
    if (split_until < text.size()) lines.emplace_back(text, split_until);
    split_until = text.size();
    closed = true;
  }
};

}  // namespace

struct BackgroundProcess::State {
  pid_t pid = -1;
  OwnedFd pidfd;
  OwnedFd stdout_fd;
  OwnedFd stderr_fd;
  OwnedFd stop_fd;  // eventfd: tells the reader to take what is left and end
  std::optional<ExitStatus> exit;

  mutable std::mutex mu;
  std::condition_variable changed;
  Stream out;  // guarded by mu
  Stream err;  // guarded by mu
  std::thread reader;

  // Reads what is available on `fd` into `stream`; true when it ended.
  bool Drain(int fd, Stream& stream) {
    char buffer[8192];
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        std::lock_guard lock(mu);
        stream.Append(buffer, n);
        changed.notify_all();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return !(n < 0 && errno == EAGAIN);
    }
  }

  void CloseStream(Stream& stream) {
    std::lock_guard lock(mu);
    stream.Close();
    changed.notify_all();
  }

  void ReadOutput() {
    pollfd fds[3] = {
        {stdout_fd.get(), POLLIN, 0}, {stderr_fd.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    Stream* streams[2] = {&out, &err};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
      if (poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      const bool stopping = fds[2].revents != 0;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || (!stopping && fds[i].revents == 0)) continue;
        if (Drain(fds[i].fd, *streams[i]) || stopping) {
          CloseStream(*streams[i]);
          fds[i].fd = -1;
        }
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0) CloseStream(*streams[i]);
    }
  }

  // Waits until `done(stream)` or the stream closed; returns done(stream).
  bool WaitFor(const Stream& stream, const std::function<bool(const Stream&)>& done,
               absl::Duration timeout) {
    std::unique_lock lock(mu);
    changed.wait_until(lock, SteadyDeadline(timeout),
                       [&] { return stream.closed || done(stream); });
    return done(stream);
  }
};

absl::StatusOr<BackgroundProcess> BackgroundProcess::Start(const std::vector<std::string>& argv,
                                                           absl::string_view stdin_text) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  NSF_ASSIGN_OR_RETURN(Pipe stdout_pipe, MakePipe());
  NSF_ASSIGN_OR_RETURN(Pipe stderr_pipe, MakePipe());
  OwnedFd stop_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (stop_fd.get() < 0) return ErrnoStatus(errno, "eventfd");
  OwnedFd stdin_file;
  if (!stdin_text.empty()) {
    NSF_ASSIGN_OR_RETURN(stdin_file, MemoryFileWith(stdin_text));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_file.get() >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdin_file.get(), STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, stdout_pipe.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stderr_pipe.write_end.get(), STDERR_FILENO);

  // The child starts with default signal handling whatever this process set.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> c_argv;
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);

  pid_t pid = -1;
  const int spawn_error =
      posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) return ErrnoStatus(spawn_error, absl::StrCat("start ", argv[0]));

  auto state = std::make_unique<State>();
  state->pid = pid;
  state->pidfd = OwnedFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (state->pidfd.get() < 0) {
    const int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return ErrnoStatus(err, absl::StrCat("pidfd_open for ", argv[0]));
  }
  state->stdout_fd = std::move(stdout_pipe.read_end);
  state->stderr_fd = std::move(stderr_pipe.read_end);
  state->stop_fd = std::move(stop_fd);
  state->reader = std::thread([s = state.get()] { s->ReadOutput(); });
  return BackgroundProcess(std::move(state));
}

BackgroundProcess::BackgroundProcess(std::unique_ptr<State> state) : state_(std::move(state)) {}
BackgroundProcess::BackgroundProcess(BackgroundProcess&&) noexcept = default;

BackgroundProcess& BackgroundProcess::operator=(BackgroundProcess&& other) noexcept {
  if (this != &other) {
    Release();
    state_ = std::move(other.state_);
  }
  return *this;
}

BackgroundProcess::~BackgroundProcess() { Release(); }

void BackgroundProcess::Release() {
  if (state_ == nullptr) return;
  if (!state_->exit.has_value()) Kill();
  if (state_->reader.joinable()) {
    const uint64_t one = 1;
    (void)!write(state_->stop_fd.get(), &one, sizeof(one));
    state_->reader.join();
  }
  state_.reset();
}

pid_t BackgroundProcess::pid() const { return state_->pid; }

bool BackgroundProcess::WaitForStdout(absl::string_view text, absl::Duration timeout) {
  return WaitForStdoutLines(
      [text](const std::string& line) { return absl::StrContains(line, text); }, 1, timeout);
}

bool BackgroundProcess::WaitForStderr(absl::string_view text, absl::Duration timeout) {
  return state_->WaitFor(
      state_->err,
      [text](const Stream& s) {
        for (const std::string& line : s.lines) {
          if (absl::StrContains(line, text)) return true;
        }
        return false;
      },
      timeout);
}

bool BackgroundProcess::WaitForStdoutLines(const LinePredicate& predicate, int count,
                                           absl::Duration timeout) {
  return state_->WaitFor(
      state_->out,
      [&](const Stream& s) {
        int matching = 0;
        for (const std::string& line : s.lines) matching += predicate(line) ? 1 : 0;
        return matching >= count;
      },
      timeout);
}

bool BackgroundProcess::WaitForOutputEnd(absl::Duration timeout) {
  const auto closed = [](const Stream& s) { return s.closed; };
  return state_->WaitFor(state_->out, closed, timeout) &&
         state_->WaitFor(state_->err, closed, timeout);
}

std::vector<std::string> BackgroundProcess::StdoutLines() const {
  std::lock_guard lock(state_->mu);
  return state_->out.lines;
}

std::vector<std::string> BackgroundProcess::StderrLines() const {
  std::lock_guard lock(state_->mu);
  return state_->err.lines;
}

std::string BackgroundProcess::StdoutText() const {
  std::lock_guard lock(state_->mu);
  return state_->out.text;
}

std::string BackgroundProcess::StderrText() const {
  std::lock_guard lock(state_->mu);
  return state_->err.text;
}

absl::Status BackgroundProcess::Signal(int signal) {
  if (state_->exit.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process ", state_->pid, " already ended: ", state_->exit->ToString()));
  }
  // Through the pidfd: never hits a recycled pid.
  if (syscall(SYS_pidfd_send_signal, state_->pidfd.get(), signal, nullptr, 0) != 0) {
    return ErrnoStatus(errno, absl::StrCat("signal ", signal, " to process ", state_->pid));
  }
  return absl::OkStatus();
}

std::optional<ExitStatus> BackgroundProcess::Wait(absl::Duration timeout) {
  if (state_->exit.has_value()) return state_->exit;
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    pollfd exited = {state_->pidfd.get(), POLLIN, 0};
    const int ready = poll(&exited, 1, PollTimeoutMs(deadline));
    if (ready == 0) return std::nullopt;
    // On a poll error other than EINTR, fall back to a blocking wait.
    if (ready > 0 || errno != EINTR) break;
  }
  int wait_status = 0;
  while (waitpid(state_->pid, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      // Reaped elsewhere (e.g. SIGCHLD ignored): the status is lost.
      state_->exit = ExitStatus{.code = -1, .signal = 0};
      return state_->exit;
    }
  }
  state_->exit = ExitStatus::FromWaitStatus(wait_status);
  return state_->exit;
}

ExitStatus BackgroundProcess::Kill() {
  // An error here means the process is already gone; Wait reaps it either way.
  (void)Signal(SIGKILL);
  return *Wait(absl::InfiniteDuration());
}

ExitStatus BackgroundProcess::Terminate(absl::Duration timeout) {
  (void)Signal(SIGTERM);
  if (std::optional<ExitStatus> status = Wait(timeout)) return *status;
  return Kill();
}

const std::optional<ExitStatus>& BackgroundProcess::exit_status() const { return state_->exit; }

}  // namespace nsfence::testbed
