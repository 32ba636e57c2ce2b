// Verifier cost of every program, printed on each run so growth shows before
// it breaks an older kernel, and held to a budget far below the kernel limit.
#include <iostream>

#include "bpf/kernel_fixture.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"

namespace nsfence::bpftest {
namespace {

// The kernel refuses programs past 1,000,000 processed instructions.
constexpr uint32_t kBudget = 50'000;

TEST(ComplexityTest, EveryProgramStaysWithinItsVerifierBudget) {
  NSFENCE_REQUIRE_KERNEL();
  auto f = KernelFixture::Create();
  ASSERT_TRUE(f.ok()) << f.status();
  const auto sizes = (*f)->datapath().ProgramSizes();
  ASSERT_EQ(sizes.size(), 5u);
  for (const auto& [name, insns] : sizes) {
    std::cout << "verifier: " << name << " processed " << insns << " instructions\n";
    ::testing::Test::RecordProperty(name, static_cast<int>(insns));
    EXPECT_GT(insns, 0u) << name;
    EXPECT_LT(insns, kBudget) << name;
  }
}

}  // namespace
}  // namespace nsfence::bpftest
