#include "common/labels.h"

#include "gtest/gtest.h"

namespace nsfence {
namespace {

using Op = LabelRequirement::Operator;

const Labels kJob = {{"tier", "job"}, {"team", "a"}};

TEST(LabelSelectorTest, EmptyMatchesEverything) {
  EXPECT_TRUE(LabelSelector{}.Matches(kJob));
  EXPECT_TRUE(LabelSelector{}.Matches({}));
}

TEST(LabelSelectorTest, MatchLabelsNeedsEveryPair) {
  EXPECT_TRUE((LabelSelector{.match_labels = {{"tier", "job"}}}.Matches(kJob)));
  EXPECT_FALSE((LabelSelector{.match_labels = {{"tier", "job"}, {"team", "b"}}}.Matches(kJob)));
}

TEST(LabelSelectorTest, Expressions) {
  auto sel = [](Op op, std::vector<std::string> values) {
    return LabelSelector{.match_expressions = {{.key = "tier", .op = op, .values = std::move(values)}}};
  };
  EXPECT_TRUE(sel(Op::kIn, {"db", "job"}).Matches(kJob));
  EXPECT_FALSE(sel(Op::kIn, {"db"}).Matches(kJob));
  EXPECT_FALSE(sel(Op::kNotIn, {"job"}).Matches(kJob));
  EXPECT_TRUE(sel(Op::kNotIn, {"job"}).Matches({}));
  EXPECT_TRUE(sel(Op::kExists, {}).Matches(kJob));
  EXPECT_FALSE(sel(Op::kExists, {}).Matches({}));
  EXPECT_TRUE(sel(Op::kDoesNotExist, {}).Matches({}));
  EXPECT_FALSE(sel(Op::kDoesNotExist, {}).Matches(kJob));
}

TEST(LabelSelectorTest, CanonicalTextIgnoresValueOrder) {
  LabelSelector a{.match_expressions = {{.key = "k", .op = Op::kIn, .values = {"x", "y"}}}};
  LabelSelector b{.match_expressions = {{.key = "k", .op = Op::kIn, .values = {"y", "x"}}}};
  EXPECT_EQ(a.ToString(), b.ToString());
  EXPECT_EQ(a.ToString(), "{k in (x,y)}");
}

}  // namespace
}  // namespace nsfence
