#include "loader/features.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::loader {
namespace {

using ::testing::HasSubstr;

TEST(FeaturesTest, MissingFeaturesAreNamedWithWhatNeedsThem) {
  const absl::Status s = RequireAll({{"BPF ring buffer (Linux 5.8+)", "reporting violations", false},
                                     {"LPM trie maps", "peer lookups", true},
                                     {"cgroup_skb programs", "ingress decisions", false}});
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("BPF ring buffer (Linux 5.8+) (needed for reporting violations)"));
  EXPECT_THAT(s.message(), HasSubstr("cgroup_skb programs (needed for ingress decisions)"));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("LPM")));
}

TEST(FeaturesTest, NothingMissingIsOk) {
  EXPECT_TRUE(RequireAll({{"x", "y", true}}).ok());
}

}  // namespace
}  // namespace nsfence::loader
