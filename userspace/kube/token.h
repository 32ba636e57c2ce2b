// The bearer token of a ClusterConfig. A token file is read again whenever
// it changed (inode, size or mtime): the kubelet rotates projected service
// account tokens by swapping the file in, and a client holding the old one
// would be refused once it expires.
#ifndef NSFENCE_KUBE_TOKEN_H_
#define NSFENCE_KUBE_TOKEN_H_

#include <sys/types.h>

#include <ctime>
#include <string>

#include "absl/status/statusor.h"
#include "kube/config.h"

namespace nsfence::kube {

class BearerToken {
 public:
  explicit BearerToken(const ClusterConfig& config)
      : fixed_(config.token), file_(config.token_file) {}

  // The current token; empty when the config has none. Not thread-safe: one
  // per HttpClient.
  absl::StatusOr<std::string> Get();

 private:
  // What tells a changed file apart without reading it.
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    timespec mtime{};

    bool operator==(const FileStamp& other) const;
  };

  std::string fixed_;
  std::string file_;
  FileStamp stamp_;
  std::string cached_;
};

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_TOKEN_H_
