#include "events/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::events {
namespace {

// errno text, the path, and what to do about it.
absl::Status Failed(int err, const std::string& what, const std::string& path) {
  const absl::Status s = ErrnoStatus(err, absl::StrCat("audit log: ", what, " ", path));
  std::string advice;
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
      advice = "check that the agent may write there, or point --audit-log elsewhere";
      break;
    case ENOENT:
    case ENOTDIR:
      advice = "create the directory, or point --audit-log elsewhere";
      break;
    case ENOSPC:
    case EDQUOT:
      advice = "free space on that filesystem, or lower --audit-log-max-bytes / --audit-log-keep";
      break;
    case EISDIR:
      advice = "--audit-log takes a file, not a directory";
      break;
    default:
      advice = "check the path and its filesystem";
  }
  return absl::Status(s.code(), absl::StrCat(s.message(), "; ", advice));
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<AuditFsync> ParseAuditFsync(std::string_view text) {
  if (text == "never") return AuditFsync::kNever;
  if (text == "line") return AuditFsync::kEveryLine;
  if (text == "batch") return AuditFsync::kEveryBatch;
  return absl::InvalidArgumentError(
      absl::StrCat("--audit-log-fsync expects never, line or batch, got \"", std::string(text), "\""));
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options) {
  if (options.path.empty()) return absl::InvalidArgumentError("audit log: no path given");
  if (options.max_bytes == 0) return absl::InvalidArgumentError("audit log: max_bytes must be >= 1");
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  if (absl::Status s = log->OpenFile(); !s.ok()) return s;
  return log;
}

AuditLog::~AuditLog() {
  if (fd_ < 0) return;
  if (dirty_ && options_.fsync != AuditFsync::kNever) (void)fdatasync(fd_);
  close(fd_);
}

absl::Status AuditLog::OpenFile() {
  const int fd = open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Failed(errno, "opening", options_.path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return Failed(err, "reading the size of", options_.path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("audit log: ", options_.path, " is not a regular file; point --audit-log at a file"));
  }
  fd_ = fd;
  file_bytes_ = static_cast<uint64_t>(st.st_size);
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status AuditLog::SyncFd(const char* why) {
  if (fdatasync(fd_) != 0) return Failed(errno, why, options_.path);
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status AuditLog::SyncDirectory() {
  const std::string dir = Directory(options_.path);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Failed(errno, "opening the directory", dir);
  const int r = fsync(fd);
  const int err = errno;
  close(fd);
  if (r != 0) return Failed(err, "syncing the directory", dir);
  return absl::OkStatus();
}

absl::Status AuditLog::Rotate() {
  const bool durable = options_.fsync != AuditFsync::kNever;
  if (fd_ >= 0) {
    // The full file's lines are on disk before it gets its new name.
    if (durable && dirty_) {
      if (absl::Status s = SyncFd("syncing"); !s.ok()) return s;
    }
    close(fd_);
    fd_ = -1;
  }
  const std::string& path = options_.path;
  if (options_.keep == 0) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return Failed(errno, "removing", path);
  } else {
    // Oldest first; renaming onto path.keep drops what it held.
    for (uint32_t k = options_.keep - 1; k >= 1; --k) {
      const std::string from = absl::StrCat(path, ".", k);
      const std::string to = absl::StrCat(path, ".", k + 1);
      if (rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
        return Failed(errno, absl::StrCat("renaming ", from, " to"), to);
      }
    }
    const std::string first = absl::StrCat(path, ".1");
    if (rename(path.c_str(), first.c_str()) != 0 && errno != ENOENT) {
      return Failed(errno, absl::StrCat("renaming ", path, " to"), first);
    }
  }
  if (absl::Status s = OpenFile(); !s.ok()) return s;
  ++rotations_;
  if (durable) return SyncDirectory();
  return absl::OkStatus();
}

absl::Status AuditLog::Append(std::string_view line) {
  // After a failed rotation (or open), try again: OpenFile appends to what
  // is there, and the size check below rotates it if it is still full.
  if (fd_ < 0) {
    if (absl::Status s = OpenFile(); !s.ok()) return s;
  }
  const uint64_t size = line.size() + 1;
  if (file_bytes_ > 0 && file_bytes_ + size > options_.max_bytes) {
    if (absl::Status s = Rotate(); !s.ok()) return s;
  }
  std::string buffer;
  buffer.reserve(size);
  buffer.append(line);
  buffer.push_back('\n');
  size_t written = 0;
  while (written < buffer.size()) {
    const ssize_t n = write(fd_, buffer.data() + written, buffer.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      // No half line stays behind for the next one to be glued to.
      if (written > 0) (void)ftruncate(fd_, static_cast<off_t>(file_bytes_));
      return Failed(err, "writing", options_.path);
    }
    written += static_cast<size_t>(n);
  }
  file_bytes_ += size;
  bytes_ += size;
  ++lines_;
  dirty_ = true;
  if (options_.fsync == AuditFsync::kEveryLine) return SyncFd("syncing");
  return absl::OkStatus();
}

absl::Status AuditLog::Sync() {
  if (options_.fsync != AuditFsync::kEveryBatch || !dirty_ || fd_ < 0) return absl::OkStatus();
  return SyncFd("syncing");
}

}  // namespace nsfence::events
