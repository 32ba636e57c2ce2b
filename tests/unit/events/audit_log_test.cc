#include "events/audit_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::events {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nsfence-audit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "events.jsonl";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<AuditLog> Open(uint64_t max_bytes, uint32_t keep = 5, AuditFsync fsync = AuditFsync::kEveryBatch) {
    auto log = AuditLog::Open({.path = path_.string(), .max_bytes = max_bytes, .keep = keep, .fsync = fsync});
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
  fs::path Rotated(int k) const { return fs::path(path_.string() + "." + std::to_string(k)); }

  fs::path dir_;
  fs::path path_;
};

TEST_F(AuditLogTest, AppendsLinesWithNewlines) {
  auto log = Open(1 << 20);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(R"({"kind":"network","count":1})").ok());
  ASSERT_TRUE(log->Append(R"({"kind":"device","count":1})").ok());
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(Read(path_), "{\"kind\":\"network\",\"count\":1}\n{\"kind\":\"device\",\"count\":1}\n");
  EXPECT_EQ(log->lines(), 2u);
  EXPECT_EQ(log->bytes(), Read(path_).size());
  EXPECT_EQ(log->file_bytes(), Read(path_).size());
  EXPECT_EQ(log->rotations(), 0u);
}

TEST_F(AuditLogTest, CreatesTheFileOwnerOnly) {
  auto log = Open(1 << 20);
  ASSERT_NE(log, nullptr);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Rotated-in files too.
  auto small = Open(8);
  ASSERT_TRUE(small->Append("aaaaaa").ok());
  ASSERT_TRUE(small->Append("bbbbbb").ok());
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditLogTest, ReopenAppendsAndCountsWhatIsThere) {
  {
    auto log = Open(1 << 20);
    ASSERT_TRUE(log->Append("one").ok());
  }
  auto log = Open(12);  // "one\n" is there: 4 bytes
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->file_bytes(), 4u);
  ASSERT_TRUE(log->Append("two").ok());     // 8
  ASSERT_TRUE(log->Append("three").ok());   // 8 + 6 > 12: rotates
  EXPECT_THAT(Lines(path_), ElementsAre("three"));
  EXPECT_THAT(Lines(Rotated(1)), ElementsAre("one", "two"));
  EXPECT_EQ(log->bytes(), 10u);  // this AuditLog's own
  EXPECT_EQ(log->rotations(), 1u);
}

TEST_F(AuditLogTest, RotatesExactlyAtTheBoundary) {
  auto log = Open(10);
  ASSERT_TRUE(log->Append("abcd").ok());  // 5
  ASSERT_TRUE(log->Append("efgh").ok());  // 10: exactly max, stays
  EXPECT_EQ(log->rotations(), 0u);
  EXPECT_EQ(fs::file_size(path_), 10u);
  ASSERT_TRUE(log->Append("").ok());  // 11 > 10: rotates
  EXPECT_EQ(log->rotations(), 1u);
  EXPECT_EQ(Read(Rotated(1)), "abcd\nefgh\n");
  EXPECT_EQ(Read(path_), "\n");
  ASSERT_TRUE(log->Append("12345678").ok());  // 1 + 9 = 10: stays
  EXPECT_EQ(Read(path_), "\n12345678\n");
  EXPECT_EQ(log->rotations(), 1u);
}

TEST_F(AuditLogTest, ALineLargerThanMaxGoesAloneIntoAFreshFile) {
  auto log = Open(10);
  ASSERT_TRUE(log->Append("ab").ok());
  const std::string big(25, 'x');
  ASSERT_TRUE(log->Append(big).ok());
  ASSERT_TRUE(log->Append("cd").ok());
  EXPECT_EQ(Read(Rotated(2)), "ab\n");
  EXPECT_EQ(Read(Rotated(1)), big + "\n");
  EXPECT_EQ(Read(path_), "cd\n");
  EXPECT_EQ(log->rotations(), 2u);
  // Into an empty file it is written without rotating first.
  fs::remove_all(dir_);
  fs::create_directory(dir_);
  auto fresh = Open(10);
  ASSERT_TRUE(fresh->Append(big).ok());
  EXPECT_EQ(fresh->rotations(), 0u);
  ASSERT_TRUE(fresh->Append(big).ok());
  EXPECT_EQ(fresh->rotations(), 1u);
  EXPECT_EQ(Read(path_), big + "\n");
  EXPECT_EQ(Read(Rotated(1)), big + "\n");
}

TEST_F(AuditLogTest, KeepsNRotatedFilesAndDropsTheOldest) {
  auto log = Open(4, /*keep=*/3);
  for (const char* line : {"l0", "l1", "l2", "l3", "l4", "l5"}) ASSERT_TRUE(log->Append(line).ok());
  EXPECT_EQ(log->rotations(), 5u);
  EXPECT_THAT(Lines(path_), ElementsAre("l5"));
  EXPECT_THAT(Lines(Rotated(1)), ElementsAre("l4"));
  EXPECT_THAT(Lines(Rotated(2)), ElementsAre("l3"));
  EXPECT_THAT(Lines(Rotated(3)), ElementsAre("l2"));
  EXPECT_FALSE(fs::exists(Rotated(4)));
}

TEST_F(AuditLogTest, KeepZeroDropsTheFullFile) {
  auto log = Open(4, /*keep=*/0, AuditFsync::kNever);
  ASSERT_TRUE(log->Append("l0").ok());
  ASSERT_TRUE(log->Append("l1").ok());
  EXPECT_THAT(Lines(path_), ElementsAre("l1"));
  EXPECT_FALSE(fs::exists(Rotated(1)));
}

TEST_F(AuditLogTest, LinesAreNeverSplitAcrossFiles) {
  constexpr uint64_t kMax = 100;
  for (AuditFsync fsync : {AuditFsync::kNever, AuditFsync::kEveryLine, AuditFsync::kEveryBatch}) {
    fs::remove_all(dir_);
    fs::create_directory(dir_);
    auto log = Open(kMax, /*keep=*/1000, fsync);
    std::vector<std::string> want;
    for (int i = 0; i < 300; ++i) {
      // Lengths 1..37 so the boundary falls everywhere.
      want.push_back(std::string(1 + i % 37, static_cast<char>('a' + i % 26)) + std::to_string(i));
      ASSERT_TRUE(log->Append(want.back()).ok());
      if (i % 7 == 0) {
        ASSERT_TRUE(log->Sync().ok());
      }
    }
    ASSERT_TRUE(log->Sync().ok());
    std::vector<std::string> got;
    for (int k = static_cast<int>(log->rotations()); k >= 0; --k) {
      const fs::path file = k == 0 ? path_ : Rotated(k);
      const std::string text = Read(file);
      ASSERT_FALSE(text.empty()) << file;
      EXPECT_EQ(text.back(), '\n') << file;
      EXPECT_LE(text.size(), kMax) << file;
      for (const std::string& line : Lines(file)) got.push_back(line);
    }
    EXPECT_EQ(got, want);
    EXPECT_EQ(log->lines(), 300u);
  }
}

TEST_F(AuditLogTest, UnwritablePathsGiveClearErrors) {
  auto missing = AuditLog::Open({.path = (dir_ / "no-such-dir" / "events.jsonl").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no-such-dir/events.jsonl"));
  EXPECT_THAT(missing.status().message(), HasSubstr("No such file or directory"));
  EXPECT_THAT(missing.status().message(), HasSubstr("create the directory"));

  auto directory = AuditLog::Open({.path = dir_.string()});
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr(dir_.string()));
  EXPECT_THAT(directory.status().message(), HasSubstr("takes a file, not a directory"));

  std::ofstream(dir_ / "plain") << "x";
  auto under_file = AuditLog::Open({.path = (dir_ / "plain" / "events.jsonl").string()});
  ASSERT_FALSE(under_file.ok());
  EXPECT_THAT(under_file.status().message(), HasSubstr("Not a directory"));

  if (geteuid() != 0) {
    fs::create_directory(dir_ / "ro");
    fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    auto denied = AuditLog::Open({.path = (dir_ / "ro" / "events.jsonl").string()});
    ASSERT_FALSE(denied.ok());
    EXPECT_THAT(denied.status().message(), HasSubstr("Permission denied"));
    EXPECT_THAT(denied.status().message(), HasSubstr("may write there"));
    fs::permissions(dir_ / "ro", fs::perms::owner_all);
  }
  EXPECT_FALSE(AuditLog::Open({.path = ""}).ok());
  EXPECT_FALSE(AuditLog::Open({.path = path_.string(), .max_bytes = 0}).ok());
}

TEST_F(AuditLogTest, AFailedRotationIsRetriedOnTheNextLine) {
  auto log = Open(4, /*keep=*/1);
  ASSERT_TRUE(log->Append("l0").ok());
  // path.1 a non-empty directory: the rename onto it fails.
  fs::create_directories(Rotated(1) / "x");
  absl::Status s = log->Append("l1");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("renaming"));
  fs::remove_all(Rotated(1));
  ASSERT_TRUE(log->Append("l2").ok());
  EXPECT_THAT(Lines(Rotated(1)), ElementsAre("l0"));
  EXPECT_THAT(Lines(path_), ElementsAre("l2"));
}

TEST(ParseAuditFsyncTest, Names) {
  EXPECT_EQ(*ParseAuditFsync("never"), AuditFsync::kNever);
  EXPECT_EQ(*ParseAuditFsync("line"), AuditFsync::kEveryLine);
  EXPECT_EQ(*ParseAuditFsync("batch"), AuditFsync::kEveryBatch);
  EXPECT_THAT(ParseAuditFsync("always").status().message(), HasSubstr("never, line or batch"));
}

}  // namespace
}  // namespace nsfence::events
