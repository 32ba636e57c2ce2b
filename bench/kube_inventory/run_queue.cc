#include "run_queue.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace nsfence::bench {

double RunQueueWaitSeconds(pid_t pid) {
  double nanoseconds = 0;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/task"), error)) {
    std::ifstream in(task.path() / "schedstat");
    double on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) nanoseconds += waiting;
  }
  return nanoseconds / 1e9;
}

}  // namespace nsfence::bench
