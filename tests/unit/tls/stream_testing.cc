#include "unit/tls/stream_testing.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "fuzz/tls_stream_check.h"

namespace nsfence::tls {

void PrintTo(const Hello& h, std::ostream* os) {
  *os << (h.type == NSF_TLS_CLIENT_HELLO ? "ClientHello" : h.type == NSF_TLS_SERVER_HELLO ? "ServerHello" : "hello?")
      << "{version " << VersionName(h.version) << ", legacy " << VersionName(h.legacy_version)
      << (h.has_supported_versions ? ", supported_versions" : "") << (h.retry_request ? ", HRR" : "") << ", sni '"
      << h.sni << "', end " << h.end << "}";
}

void PrintTo(StreamState s, std::ostream* os) { *os << StreamStateName(s); }

void PrintTo(const StreamResult& r, std::ostream* os) {
  *os << "[";
  for (const Hello& h : r.hellos) {
    PrintTo(h, os);
    *os << " ";
  }
  *os << StreamStateName(r.state) << " at " << r.offset << "]";
}

namespace testing {

StreamResult FeedInChunks(const Bytes& bytes, const std::function<size_t(size_t)>& next_chunk) {
  HelloStream s;
  StreamResult r;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t n = std::clamp<size_t>(next_chunk(bytes.size() - pos), 1, bytes.size() - pos);
    std::vector<Hello> got = s.Feed(std::span<const uint8_t>(bytes.data() + pos, n));
    r.hellos.insert(r.hellos.end(), got.begin(), got.end());
    pos += n;
  }
  r.state = s.state();
  r.offset = s.offset();
  return r;
}

StreamResult FeedWhole(const Bytes& bytes) { return ParseStream(bytes); }

StreamResult FeedByteAtATime(const Bytes& bytes) {
  return FeedInChunks(bytes, [](size_t) { return 1; });
}

StreamResult FeedSplitAt(const Bytes& bytes, size_t at) {
  bool first = true;
  return FeedInChunks(bytes, [&](size_t left) {
    if (!first) return left;
    first = false;
    return at;
  });
}

::testing::AssertionResult SameHoweverCut(const Bytes& bytes, size_t max_split) {
  const StreamResult whole = FeedWhole(bytes);
  const StreamResult bytewise = FeedByteAtATime(bytes);
  if (!(bytewise == whole)) {
    return ::testing::AssertionFailure() << "byte at a time: " << ::testing::PrintToString(bytewise)
                                         << "\n whole: " << ::testing::PrintToString(whole);
  }
  const size_t last = std::min(max_split, bytes.size());
  for (size_t at = 1; at < last; at++) {
    const StreamResult split = FeedSplitAt(bytes, at);
    if (!(split == whole)) {
      return ::testing::AssertionFailure() << "split at " << at << ": " << ::testing::PrintToString(split)
                                           << "\n whole: " << ::testing::PrintToString(whole);
    }
  }
  const std::string broken = check::CheckStream(bytes.data(), bytes.size());
  if (!broken.empty()) return ::testing::AssertionFailure() << "fuzz invariants:\n" << broken;
  return ::testing::AssertionSuccess();
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace testing
}  // namespace nsfence::tls
