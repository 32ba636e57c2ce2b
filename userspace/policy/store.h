// The IsolationPolicies in force, read from files and directories and kept at
// their last good content: a file that becomes invalid does not take its
// policies away, it is reported and the previous content stays in force.
#ifndef NSFENCE_POLICY_STORE_H_
#define NSFENCE_POLICY_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/diagnostic.h"
#include "policy/model.h"

namespace nsfence::policy {

class PolicyStore {
 public:
  // Each path is a file or a directory, whose *.yaml and *.yml entries are
  // read (not recursively, in name order; hidden entries are skipped).
  explicit PolicyStore(std::vector<std::string> paths);

  struct ReloadResult {
    Diagnostics errors;
    // The policies in force differ from before the call. Content is compared
    // as file text, so an edited comment counts as a change.
    bool changed = false;
    // Files (or directories) whose current content was not taken, each once.
    std::vector<std::string> rejected_files;
  };

  // Reads every file the paths now name. A file that cannot be read, does
  // not parse, or defines a policy name that another file's content in force
  // defines is rejected and keeps its last good content in force (none when
  // it never had any). A file gone from a directory stops contributing; a
  // path itself missing is an error and keeps what it contributed.
  ReloadResult Reload();

  // The policies in force, sorted by name.
  const std::vector<Policy>& policies() const { return policies_; }

  // The paths and the files read from them, for a FileWatcher.
  std::vector<std::string> WatchedFiles() const;

 private:
  struct FileContent {
    std::string text;
    std::vector<Policy> policies;
  };
  // The content a Reload proposes to put in force for one file.
  struct Proposal {
    std::string file;
    FileContent content;
    bool fresh = false;  // newly parsed rather than already in force
  };

  std::vector<std::string> ListFiles(ReloadResult* result) const;
  // Nullopt when the file has nothing to propose.
  std::optional<Proposal> Propose(const std::string& file, ReloadResult* result) const;
  // Takes back fresh content that defines a name another file's content
  // defines, until no name is defined twice.
  void ResolveNameConflicts(std::vector<Proposal>* proposals, ReloadResult* result) const;
  // Back to the file's content in force; false when it has none.
  bool Revert(Proposal* proposal) const;

  std::vector<std::string> paths_;
  std::vector<std::string> listed_;              // files the last Reload read
  std::map<std::string, FileContent> in_force_;  // by file
  std::vector<Policy> policies_;
};

// The policies of `paths`, read once; every problem, one "file:line:column:
// message" per line, as an InvalidArgument status. For validating files.
absl::StatusOr<std::vector<Policy>> LoadPoliciesOnce(std::vector<std::string> paths);

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_STORE_H_
