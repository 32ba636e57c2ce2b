// An optional audit trail: the agent's stdout event lines, also appended to a
// file (--audit-log), rotated by size and synced to disk per a policy
// (README.md, "Violation events": audit trail).
//
// Rotation: before a line is written, if it would take the file past
// max_bytes, the file is rotated: path.(keep-1) -> path.keep, ..., path.1 ->
// path.2, path -> path.1 (what was path.keep is dropped), and a fresh path is
// opened. A file thus never exceeds max_bytes, unless a single line is larger
// than max_bytes: that line goes alone into a fresh file. Lines are written
// whole (one write(2) with O_APPEND), never split across files.
//
// Durability (AuditFsync): kNever leaves it to the kernel's page cache;
// kEveryLine fdatasyncs after each line; kEveryBatch fdatasyncs on Sync(),
// which the agent calls after each batch of lines it prints. With either of
// the last two, a rotated file is synced before it is renamed and the
// directory after the renames.
//
// Not thread-safe: one writer.
#ifndef NSFENCE_EVENTS_AUDIT_LOG_H_
#define NSFENCE_EVENTS_AUDIT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nsfence::events {

enum class AuditFsync {
  kNever,      // the kernel's page cache decides when lines reach the disk
  kEveryLine,  // fdatasync after every line
  kEveryBatch, // fdatasync on Sync()
};

struct AuditLogOptions {
  std::string path;
  // A line that would take the file past this many bytes rotates it first.
  uint64_t max_bytes = uint64_t{100} << 20;
  // Rotated files kept: path.1 (newest) .. path.N. 0: the full file is
  // dropped on rotation.
  uint32_t keep = 5;
  AuditFsync fsync = AuditFsync::kEveryBatch;
};

class AuditLog {
 public:
  // Opens (creating it with mode 0600: events can be sensitive) or appends to
  // options.path, counting what it holds towards max_bytes.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(AuditLogOptions options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes line (without its newline) and '\n', rotating first if needed. On
  // an error nothing of the line stays in the file (a partial write is cut
  // back); after a failed rotation the next Append tries again.
  absl::Status Append(std::string_view line);
  // kEveryBatch: fdatasync what was appended since the last Sync. Otherwise
  // nothing to do.
  absl::Status Sync();

  const AuditLogOptions& options() const { return options_; }
  // Bytes and lines written by this AuditLog, in all files.
  uint64_t bytes() const { return bytes_; }
  uint64_t lines() const { return lines_; }
  uint64_t rotations() const { return rotations_; }
  // Size of the current file (what it held at Open included).
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  explicit AuditLog(AuditLogOptions options) : options_(std::move(options)) {}
  absl::Status OpenFile();
  absl::Status Rotate();
  absl::Status SyncFd(const char* why);
  absl::Status SyncDirectory();

  AuditLogOptions options_;
  int fd_ = -1;
  uint64_t file_bytes_ = 0;
  bool dirty_ = false;  // appended since the last fdatasync
  uint64_t bytes_ = 0;
  uint64_t lines_ = 0;
  uint64_t rotations_ = 0;
};

// "never", "line", "batch".
absl::StatusOr<AuditFsync> ParseAuditFsync(std::string_view text);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_AUDIT_LOG_H_
