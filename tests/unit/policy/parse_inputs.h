// Policy texts and their diagnostics, for parser tests.
#ifndef NSFENCE_TESTS_UNIT_POLICY_PARSE_INPUTS_H_
#define NSFENCE_TESTS_UNIT_POLICY_PARSE_INPUTS_H_

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/parser.h"
#include "support/diagnostic_texts.h"

namespace nsfence::policy {

// A valid policy whose spec goes on with `more` (indented by two spaces),
// which therefore starts on line 7.
inline std::string PolicyWith(const std::string& more) {
  return "apiVersion: nsfence.io/v1alpha1\n"
         "kind: IsolationPolicy\n"
         "metadata:\n"
         "  name: p\n"
         "spec:\n"
         "  namespaceSelector: {}\n" +
         more;
}

// The diagnostics of parsing `text` as f.yaml, which must reject it whole.
inline std::vector<std::string> Errors(const std::string& text) {
  const ParseResult result = ParsePolicies(text, "f.yaml");
  EXPECT_THAT(result.policies, ::testing::IsEmpty()) << "nothing of a file with errors is valid";
  return ::nsfence::testing::Texts(result.diagnostics);
}

}  // namespace nsfence::policy

#endif  // NSFENCE_TESTS_UNIT_POLICY_PARSE_INPUTS_H_
