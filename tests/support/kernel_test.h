// Kernel tests need root and kernel features. Without them they skip and say
// why; with NSFENCE_REQUIRE_KERNEL_TESTS=1 (set by CI) a skip is a failure.
#ifndef NSFENCE_TESTS_SUPPORT_KERNEL_TEST_H_
#define NSFENCE_TESTS_SUPPORT_KERNEL_TEST_H_

#include <string>

#include "gtest/gtest.h"

namespace nsfence::testing {

bool KernelTestsRequired();

// Empty when this process may run kernel tests; else the reason it may not.
std::string KernelTestBlocker();

}  // namespace nsfence::testing

// Skips (or fails, when kernel tests are required) unless kernel tests can run.
#define NSFENCE_REQUIRE_KERNEL()                                                   \
  do {                                                                             \
    const std::string nsf_blocker_ = ::nsfence::testing::KernelTestBlocker();      \
    if (!nsf_blocker_.empty()) {                                                   \
      if (::nsfence::testing::KernelTestsRequired()) {                             \
        FAIL() << "kernel test cannot run (NSFENCE_REQUIRE_KERNEL_TESTS=1): "      \
               << nsf_blocker_;                                                    \
      }                                                                            \
      GTEST_SKIP() << nsf_blocker_;                                                \
    }                                                                              \
  } while (0)

// Same, for a missing feature the test found itself.
#define NSFENCE_SKIP_KERNEL_TEST(reason)                                           \
  do {                                                                             \
    if (::nsfence::testing::KernelTestsRequired()) {                               \
      FAIL() << "kernel test cannot run (NSFENCE_REQUIRE_KERNEL_TESTS=1): "        \
             << (reason);                                                          \
    }                                                                              \
    GTEST_SKIP() << (reason);                                                      \
  } while (0)

#endif  // NSFENCE_TESTS_SUPPORT_KERNEL_TEST_H_
