#include "cli/status.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/status.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::cli {
namespace {

constexpr int kTimeoutMs = 5000;
constexpr size_t kMaxAnswerBytes = 1 << 20;

absl::Status Unreachable(const std::string& path, int err) {
  if (err == ENOENT || err == ECONNREFUSED) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", path, ": ", strerror(err),
                                               " (is the agent running? it listens on ", path,
                                               " unless --admin-socket off; another path: --socket PATH)"));
  }
  if (err == EACCES || err == EPERM) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot connect to ", path, ": ", strerror(err), " (run as root)"));
  }
  return absl::UnavailableError(absl::StrCat("cannot connect to ", path, ": ", strerror(err)));
}

}  // namespace

absl::StatusOr<std::string> AskAgent(const std::string& path, const std::string& request) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("--socket ", path, ": not a usable unix socket path"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return Unreachable(path, err);
  }
  const std::string line = request + "\n";
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("sending to ", path, ": ", strerror(err)));
  }
  std::string answer;
  char buf[4096];
  while (answer.size() < kMaxAnswerBytes) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = poll(&p, 1, kTimeoutMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      close(fd);
      return absl::DeadlineExceededError(
          absl::StrCat("the agent on ", path, " did not answer within ", kTimeoutMs / 1000, " s"));
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
  if (answer.empty()) {
    // The agent closes connections of anyone but root without a word.
    return absl::PermissionDeniedError(absl::StrCat("the agent on ", path,
                                                    " closed the connection without answering (run as root)"));
  }
  return answer;
}

bool ReadSocketFlag(const std::vector<std::string>& args, size_t* i, std::string* path) {
  if (args[*i] == "--socket" && *i + 1 < args.size()) {
    *path = args[++*i];
    return true;
  }
  if (absl::StartsWith(args[*i], "--socket=")) {
    *path = args[*i].substr(strlen("--socket="));
    return true;
  }
  return false;
}

int RunStatus(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string path = kDefaultAdminSocket;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!ReadSocketFlag(args, &i, &path)) {
      err << "nsfencectl status: unexpected argument \"" << args[i] << "\" (usage: nsfencectl status [--socket PATH])\n";
      return 2;
    }
  }
  absl::StatusOr<std::string> answer = AskAgent(path, "status");
  if (!answer.ok()) {
    err << "nsfencectl status: " << answer.status().message() << "\n";
    return 1;
  }
  agent::Status status;
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(*answer, &status, strict).ok()) {
    // {"error": ...}, or fields of a newer agent: as received.
    const bool is_error = absl::StartsWith(*answer, "{\"error\"");
    (is_error ? err : out) << (is_error ? "nsfencectl status: the agent answered " : "") << *answer << "\n";
    return is_error ? 1 : 0;
  }
  google::protobuf::util::JsonPrintOptions pretty;
  pretty.add_whitespace = true;
  pretty.preserve_proto_field_names = true;
  pretty.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(status, &text, pretty).ok()) text = *answer + "\n";
  out << text;
  return 0;
}

}  // namespace nsfence::cli
