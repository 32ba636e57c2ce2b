// Whole small files (tokens, kubeconfigs) as text, errors as statuses.
#ifndef NSFENCE_KUBE_FILE_TEXT_H_
#define NSFENCE_KUBE_FILE_TEXT_H_

#include <string>

#include "absl/status/statusor.h"

namespace nsfence::kube {

// The file's content; "path: <strerror>" when it cannot be read.
absl::StatusOr<std::string> ReadFileText(const std::string& path);

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_FILE_TEXT_H_
