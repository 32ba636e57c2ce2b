// Tells when configuration files change, for an agent that polls: watch a set
// of files (and directories of *.yaml / *.yml files), poll fd(), and call
// Drain() when it is readable.
//
// Files are watched through their parent directory, so replacing a file is
// seen as well as writing it: editors write a temporary file and rename it
// over the original, and Kubernetes publishes a new ConfigMap version by
// renaming the directory's "..data" symlink.
#ifndef NSFENCE_COMMON_FILE_WATCHER_H_
#define NSFENCE_COMMON_FILE_WATCHER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nsfence {

class FileWatcher {
 public:
  // An inotify instance, non-blocking and close-on-exec.
  static absl::StatusOr<FileWatcher> Create();

  FileWatcher(FileWatcher&& other) noexcept;
  FileWatcher& operator=(FileWatcher&& other) noexcept;
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;
  ~FileWatcher();

  // Replaces the watched set. Each path is a file, which need not exist yet,
  // or an existing directory, whose *.yaml and *.yml entries count. Watches
  // what it can; fails when a path's directory cannot be watched.
  absl::Status Watch(const std::vector<std::string>& paths);

  // Readable when events are pending.
  int fd() const { return fd_; }

  // Reads every pending event; true when one concerns the watched set (or the
  // kernel dropped events, so one may have).
  bool Drain();

 private:
  // What counts in one watched directory.
  struct Directory {
    std::set<std::string> names;  // watched entries
    bool yaml_entries = false;    // and every *.yaml / *.yml entry
  };

  explicit FileWatcher(int fd) : fd_(fd) {}
  static bool Concerns(const Directory& dir, const std::string& name);

  int fd_ = -1;
  std::map<int, Directory> directories_;  // by inotify watch descriptor
};

}  // namespace nsfence

#endif  // NSFENCE_COMMON_FILE_WATCHER_H_
