// Feeding helpers for the TLS parser tests: one stream in chunks of chosen
// sizes through HelloStream, readable printing of results, and the check
// that a stream parses the same however it is cut.
#ifndef NSFENCE_TESTS_UNIT_TLS_STREAM_TESTING_H_
#define NSFENCE_TESTS_UNIT_TLS_STREAM_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tls/hello_parser.h"

namespace nsfence::tls {

// gtest printers (found by ADL).
void PrintTo(const Hello& h, std::ostream* os);
void PrintTo(const StreamResult& r, std::ostream* os);
void PrintTo(StreamState s, std::ostream* os);

namespace testing {

using Bytes = std::vector<uint8_t>;

// Feeds `bytes` through one HelloStream in chunks of next_chunk(remaining) bytes.
StreamResult FeedInChunks(const Bytes& bytes, const std::function<size_t(size_t)>& next_chunk);
StreamResult FeedWhole(const Bytes& bytes);
StreamResult FeedByteAtATime(const Bytes& bytes);
StreamResult FeedSplitAt(const Bytes& bytes, size_t at);

// The same result fed whole, a byte at a time, split in two at every offset
// below max_split (all of them by default), and through every invariant of
// the fuzz target (tests/fuzz/tls_stream_check.h).
::testing::AssertionResult SameHoweverCut(const Bytes& bytes, size_t max_split = SIZE_MAX);

Bytes ReadFile(const std::string& path);

}  // namespace testing
}  // namespace nsfence::tls

#endif  // NSFENCE_TESTS_UNIT_TLS_STREAM_TESTING_H_
