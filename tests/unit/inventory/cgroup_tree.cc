#include "unit/inventory/cgroup_tree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace nsfence::inventory {

void PrintTo(const KubeletCgroup& cgroup, std::ostream* out) {
  *out << "{" << DriverName(cgroup.driver) << " " << QosName(cgroup.qos) << " pod "
       << cgroup.pod_uid << " at " << cgroup.pod_cgroup;
  if (cgroup.is_container()) {
    *out << ", container " << cgroup.container_id << " (" << RuntimeName(cgroup.runtime) << ")";
  } else if (cgroup.runtime != ContainerRuntime::kNone) {
    *out << ", runtime " << RuntimeName(cgroup.runtime) << " without a container id";
  }
  *out << "}";
}

void PrintTo(const PodCgroup& pod, std::ostream* out) {
  *out << "{" << DriverName(pod.driver) << " " << QosName(pod.qos) << " pod " << pod.uid << " at "
       << pod.cgroup << ", containers [";
  *out << absl::StrJoin(pod.containers, ", ", [](std::string* text, const auto& container) {
    absl::StrAppend(text, container.first, " (", RuntimeName(container.second), ")");
  });
  *out << "]}";
}

void PrintTo(const CgroupEvent& event, std::ostream* out) {
  *out << (event.kind == CgroupEvent::Kind::kAppeared ? "appeared " : "gone ");
  PrintTo(event.cgroup, out);
}

namespace {

// rmdir of `dir` after every directory below it.
void RemoveDirectories(const std::string& dir) {
  if (DIR* stream = opendir(dir.c_str())) {
    std::vector<std::string> children;
    while (const struct dirent* entry = readdir(stream)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = absl::StrCat(dir, "/", name);
      struct stat st {};
      if (lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        children.push_back(path);
      } else {
        unlink(path.c_str());  // MakeFile's files; a cgroup's own files refuse and go with it
      }
    }
    closedir(stream);
    for (const std::string& child : children) RemoveDirectories(child);
  }
  rmdir(dir.c_str());
}

}  // namespace

CgroupTree::CgroupTree(const std::string& base) {
  std::string pattern =
      absl::StrCat(base.empty() ? ::testing::TempDir() : base + "/", "nsfence-cgroups-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern;
    return;
  }
  mount_ = pattern;
}

CgroupTree::~CgroupTree() {
  if (!mount_.empty()) RemoveDirectories(mount_);
}

bool CgroupTree::Make(const std::string& path) const {
  std::string dir = mount_;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    absl::StrAppend(&dir, "/", path.substr(start, end - start));
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return false;
    start = end + 1;
  }
  return true;
}

bool CgroupTree::Remove(const std::string& path) const {
  return rmdir(absl::StrCat(mount_, "/", path).c_str()) == 0;
}

bool CgroupTree::MakeFile(const std::string& path) const {
  return static_cast<bool>(std::ofstream(absl::StrCat(mount_, "/", path)));
}

}  // namespace nsfence::inventory
