// Verifier cost of every program, printed on each run so growth shows before
// it breaks an older kernel, and held to a budget far below the kernel limit.
#include <iostream>

#include "bpf/kernel_fixture.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"

namespace nsfence::bpftest {
namespace {

// The kernel refuses programs past 1,000,000 processed instructions. The TLS
// programs walk a parser state machine on several paths, so they get more.
constexpr uint32_t kBudget = 50'000;
constexpr uint32_t kTlsBudget = 200'000;

TEST(ComplexityTest, EveryProgramStaysWithinItsVerifierBudget) {
  NSFENCE_REQUIRE_KERNEL();
  auto f = KernelFixture::Create();
  ASSERT_TRUE(f.ok()) << f.status();
  const auto sizes = (*f)->datapath().ProgramSizes();
  ASSERT_EQ(sizes.size(), 9u);  // network 5, tls 2, quarantine 2
  for (const auto& [name, insns] : sizes) {
    std::cout << "verifier: " << name << " processed " << insns << " instructions\n";
    ::testing::Test::RecordProperty(name, static_cast<int>(insns));
    EXPECT_GT(insns, 0u) << name;
    EXPECT_LT(insns, name.rfind("nsf_tls_", 0) == 0 ? kTlsBudget : kBudget) << name;
  }
}

}  // namespace
}  // namespace nsfence::bpftest
