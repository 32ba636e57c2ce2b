// A private directory for a test's files, removed with it.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_TEMP_DIR_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace nsfence::kube::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "nsfence-kube-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes a new file and renames it over `name`, as the kubelet swaps a
  // rotated token in.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = Path(name);
    std::ofstream(path + ".new") << text;
    std::filesystem::rename(path + ".new", path);
    return path;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_TEMP_DIR_H_
