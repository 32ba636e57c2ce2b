// Inputs the fuzz target once failed on (tests/fuzz/regressions) and the
// captured fixtures, replayed through its invariants in the normal unit
// build (gcc, and ASan+UBSan in tools/test.sh).
#include <filesystem>
#include <string>

#include "fuzz/tls_stream_check.h"
#include "gtest/gtest.h"
#include "unit/tls/stream_testing.h"

namespace nsfence::tls {
namespace {

void ExpectInvariantsHoldForEveryFileIn(const std::string& dir, size_t at_least) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin") continue;
    const testing::Bytes bytes = testing::ReadFile(entry.path().string());
    EXPECT_EQ(check::CheckStream(bytes.data(), bytes.size(), 64), "") << entry.path();
    files++;
  }
  EXPECT_GE(files, at_least) << dir;
}

TEST(FuzzRegressionTest, StoredFailingInputsKeepEveryInvariant) {
  ExpectInvariantsHoldForEveryFileIn(NSFENCE_SOURCE_DIR "/tests/fuzz/regressions", 1);
}

TEST(FuzzRegressionTest, SeedCorpusKeepsEveryInvariant) {
  ExpectInvariantsHoldForEveryFileIn(NSFENCE_SOURCE_DIR "/tests/fixtures/tls", 30);
}

}  // namespace
}  // namespace nsfence::tls
