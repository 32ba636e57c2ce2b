// Diagnostics as the "file:line:column: message" lines users see, for
// assertions that check message and position at once.
#ifndef NSFENCE_TESTS_SUPPORT_DIAGNOSTIC_TEXTS_H_
#define NSFENCE_TESTS_SUPPORT_DIAGNOSTIC_TEXTS_H_

#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace nsfence::testing {

inline std::vector<std::string> Texts(const Diagnostics& diagnostics) {
  std::vector<std::string> texts;
  texts.reserve(diagnostics.size());
  for (const Diagnostic& d : diagnostics) texts.push_back(d.ToString());
  return texts;
}

}  // namespace nsfence::testing

#endif  // NSFENCE_TESTS_SUPPORT_DIAGNOSTIC_TEXTS_H_
