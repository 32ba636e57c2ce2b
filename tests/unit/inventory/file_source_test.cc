#include "inventory/file_source.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::string kTestdata = NSFENCE_SOURCE_DIR "/tests/unit/inventory/testdata/";

TEST(FileInventorySourceTest, LoadsAValidFile) {
  FileInventorySource source(kTestdata + "inventory.yaml");
  const absl::StatusOr<Inventory> inventory = source.Load();
  ASSERT_TRUE(inventory.ok()) << inventory.status();
  EXPECT_THAT(inventory->namespaces, SizeIs(2));
  EXPECT_THAT(inventory->pods, SizeIs(2));
  EXPECT_THAT(source.WatchedFiles(), ElementsAre(kTestdata + "inventory.yaml"));
  EXPECT_EQ(source.Describe(), "inventory file " + kTestdata + "inventory.yaml");
}

TEST(FileInventorySourceTest, ReportsEveryProblemOnItsOwnLine) {
  FileInventorySource source(kTestdata + "invalid.yaml");
  const absl::StatusOr<Inventory> inventory = source.Load();
  ASSERT_FALSE(inventory.ok());
  EXPECT_EQ(inventory.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string file = kTestdata + "invalid.yaml";
  EXPECT_EQ(inventory.status().message(),
            file +
                ":2:12: namespaces[0].name: \"Job-A\" is not a valid DNS-1123 label (at most 63 "
                "characters of a-z, 0-9 and '-', starting and ending with a letter or digit)\n" +
                file +
                ":6:16: pod job-b/runner: namespace \"job-b\" is not listed under namespaces");
}

TEST(FileInventorySourceTest, ReportsAMissingFile) {
  FileInventorySource source("/nonexistent/inventory.yaml");
  const absl::StatusOr<Inventory> inventory = source.Load();
  ASSERT_FALSE(inventory.ok());
  EXPECT_EQ(inventory.status().message(), "/nonexistent/inventory.yaml: no such file or directory");
}

TEST(FileInventorySourceTest, IsAnInventorySource) {
  std::unique_ptr<InventorySource> source =
      std::make_unique<FileInventorySource>(kTestdata + "inventory.yaml");
  EXPECT_THAT(source->Describe(), HasSubstr("inventory.yaml"));
  EXPECT_TRUE(source->Load().ok());
}

}  // namespace
}  // namespace nsfence::inventory
