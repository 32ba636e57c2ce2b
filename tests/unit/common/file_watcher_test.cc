#include "common/file_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace nsfence {
namespace {

namespace fs = std::filesystem;

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nsfence-watch-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    absl::StatusOr<FileWatcher> watcher = FileWatcher::Create();
    ASSERT_TRUE(watcher.ok()) << watcher.status();
    watcher_.emplace(std::move(*watcher));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  // Waits up to `timeout` for events that concern the watched set.
  bool SeesChange(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{.fd = watcher_->fd(), .events = POLLIN, .revents = 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) > 0 && watcher_->Drain()) return true;
    }
  }
  // Nothing that concerns the watched set within a short while.
  bool StaysQuiet() { return !SeesChange(std::chrono::milliseconds(200)); }

  fs::path dir_;
  std::optional<FileWatcher> watcher_;
};

TEST_F(FileWatcherTest, DescriptorIsNonBlockingAndCloseOnExec) {
  EXPECT_TRUE(fcntl(watcher_->fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(watcher_->fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_FALSE(watcher_->Drain()) << "nothing pending";
}

TEST_F(FileWatcherTest, SeesAWriteToAWatchedFile) {
  Write(Path("policy.yaml"), "a: 1\n");
  ASSERT_TRUE(watcher_->Watch({Path("policy.yaml")}).ok());
  Write(Path("policy.yaml"), "a: 2\n");
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, SeesARenameOverAWatchedFile) {
  Write(Path("policy.yaml"), "a: 1\n");
  Write(Path(".policy.yaml.tmp"), "a: 2\n");
  ASSERT_TRUE(watcher_->Watch({Path("policy.yaml")}).ok());
  fs::rename(Path(".policy.yaml.tmp"), Path("policy.yaml"));
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, SeesAWatchedFileAppearAndDisappear) {
  ASSERT_TRUE(watcher_->Watch({Path("later.yaml")}).ok());
  Write(Path("later.yaml"), "a: 1\n");
  EXPECT_TRUE(SeesChange());
  fs::remove(Path("later.yaml"));
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, IgnoresOtherFilesNextToAWatchedFile) {
  Write(Path("policy.yaml"), "a: 1\n");
  ASSERT_TRUE(watcher_->Watch({Path("policy.yaml")}).ok());
  Write(Path("other.yaml"), "b: 1\n");
  EXPECT_TRUE(StaysQuiet());
}

TEST_F(FileWatcherTest, SeesNewYamlFilesInAWatchedDirectoryOnly) {
  ASSERT_TRUE(watcher_->Watch({dir_.string()}).ok());
  Write(Path("notes.txt"), "x\n");
  EXPECT_TRUE(StaysQuiet());
  Write(Path("new.yml"), "a: 1\n");
  EXPECT_TRUE(SeesChange());
  Write(Path("new.yaml"), "a: 1\n");
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, SeesAConfigMapVersionSwap) {
  // The layout kubelet gives a mounted ConfigMap.
  fs::create_directory(Path("..v1"));
  Write(Path("..v1/policy.yaml"), "a: 1\n");
  fs::create_directory_symlink("..v1", Path("..data"));
  fs::create_symlink("..data/policy.yaml", Path("policy.yaml"));
  ASSERT_TRUE(watcher_->Watch({Path("policy.yaml")}).ok());

  fs::create_directory(Path("..v2"));
  Write(Path("..v2/policy.yaml"), "a: 2\n");
  EXPECT_TRUE(StaysQuiet()) << "a new version is not published yet";
  fs::create_directory_symlink("..v2", Path("..data_tmp"));
  fs::rename(Path("..data_tmp"), Path("..data"));
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, WatchReplacesTheWatchedSet) {
  fs::create_directory(Path("a"));
  fs::create_directory(Path("b"));
  ASSERT_TRUE(watcher_->Watch({Path("a/policy.yaml")}).ok());
  ASSERT_TRUE(watcher_->Watch({Path("b/policy.yaml")}).ok());
  Write(Path("a/policy.yaml"), "a: 1\n");
  EXPECT_TRUE(StaysQuiet());
  Write(Path("b/policy.yaml"), "a: 1\n");
  EXPECT_TRUE(SeesChange());
}

TEST_F(FileWatcherTest, FailsForAFileInAMissingDirectory) {
  const absl::Status status = watcher_->Watch({Path("missing/policy.yaml"), Path("ok.yaml")});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("missing"), absl::string_view::npos) << status;
  Write(Path("ok.yaml"), "a: 1\n");
  EXPECT_TRUE(SeesChange()) << "the other paths are still watched";
}

TEST_F(FileWatcherTest, MovedWatcherKeepsWatching) {
  ASSERT_TRUE(watcher_->Watch({Path("policy.yaml")}).ok());
  FileWatcher moved = std::move(*watcher_);
  watcher_.emplace(std::move(moved));
  Write(Path("policy.yaml"), "a: 1\n");
  EXPECT_TRUE(SeesChange());
}

}  // namespace
}  // namespace nsfence
