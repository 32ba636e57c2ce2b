// Invariants of the TLS hello parser on an arbitrary stream, checked through
// its C API (userspace/tls/tls_feed.h). Used by the libFuzzer target
// (tls_hello_fuzz.cc) and by the unit tests, which run the fixtures and
// every crafted case through the same checks.
//
// The stream is fed whole, one byte at a time, split in two, in chunks its
// own last bytes pick, in random chunks and in kernel-like 1448-byte segments
// under the kernel's step budget; every feeding must give the same hellos (every field and end
// offset) and end the same way at the same offset; no call may consume more
// than it was given, stall, overrun or leave the parser's state out of range.
#ifndef NSFENCE_TESTS_FUZZ_TLS_STREAM_CHECK_H_
#define NSFENCE_TESTS_FUZZ_TLS_STREAM_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tls/tls_feed.h"

namespace nsfence::tls::check {

struct ParsedHello {
  uint8_t type = 0;
  uint16_t legacy_version = 0;
  uint16_t version = 0;
  uint8_t flags = 0;  // NSF_TLS_HAVE_VERSIONS | NSF_TLS_RETRY_REQUEST
  std::string sni;
  uint64_t end = 0;

  bool operator==(const ParsedHello&) const = default;
};

struct Outcome {
  std::vector<ParsedHello> hellos;
  int result = NSF_TLS_CONTINUE;  // how the stream ended: CONTINUE (all consumed), STOP or MALFORMED
  uint64_t offset = 0;            // bytes consumed in all
  bool out_of_steps = false;

  bool operator==(const Outcome& o) const {
    return hellos == o.hellos && result == o.result && offset == o.offset;
  }
};

inline std::string Describe(const Outcome& o) {
  std::string s;
  char buf[160];
  for (const ParsedHello& h : o.hellos) {
    std::snprintf(buf, sizeof(buf), "[type %u legacy 0x%04x version 0x%04x flags %u sni '%s' end %llu] ", h.type,
                  h.legacy_version, h.version, h.flags, h.sni.c_str(), static_cast<unsigned long long>(h.end));
    s += buf;
  }
  std::snprintf(buf, sizeof(buf), "result %d at %llu%s", o.result, static_cast<unsigned long long>(o.offset),
                o.out_of_steps ? " (out of steps)" : "");
  return s + buf;
}

// Small deterministic generator (splitmix64), seeded from the input.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t s_;
};

inline uint64_t Fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ULL;
  return h;
}

// Checks what one call left in the parser.
inline void CheckState(const nsf_tls_parser& p, const char* how, std::string* errors) {
  char buf[200];
  auto fail = [&](const char* what) {
    std::snprintf(buf, sizeof(buf), "%s: parser state: %s\n", how, what);
    *errors += buf;
  };
  if (p.rec_have >= 5) fail("rec_have >= 5");
  if (p.rec_skipping > 1) fail("rec_skipping not 0/1");
  if (p.rec_left > NSF_TLS_MAX_RECORD) fail("rec_left above the record bound");
  if (p.phase >= NSF_TLS_PHASE_COUNT) fail("phase out of range");
  if (p.acc_have >= NSF_TLS_WINDOW) fail("acc_have >= NSF_TLS_WINDOW");
  if (p.sni_len >= NSFENCE_SNI_LEN) fail("sni_len >= NSFENCE_SNI_LEN");
  if (p.sni[NSFENCE_SNI_LEN - 1] != 0) fail("sni not NUL-terminated");
  if (p.rec_skipping && p.rec_left == 0) fail("skipping an empty record");
}

// Feeds `data` in chunks whose sizes `next_chunk(remaining)` picks (1..remaining),
// each chunk with a budget of `max_steps` steps per call.
template <typename ChunkFn>
Outcome Feed(const uint8_t* data, size_t size, ChunkFn next_chunk, uint32_t max_steps, const char* how,
             std::string* errors) {
  Outcome out;
  nsf_tls_parser p;
  nsf_tls_reset(&p);
  char buf[240];
  size_t pos = 0;
  while (pos < size) {
    size_t chunk = next_chunk(size - pos);
    if (chunk < 1) chunk = 1;
    if (chunk > size - pos) chunk = size - pos;
    const uint8_t* c = data + pos;
    size_t left = chunk;
    while (left > 0) {
      nsf_tls_feed_info info;
      const int r = nsf_tls_feed_bounded(&p, c, static_cast<uint32_t>(left), max_steps, &info);
      CheckState(p, how, errors);
      if (r < NSF_TLS_CONTINUE || r > NSF_TLS_MALFORMED) {
        std::snprintf(buf, sizeof(buf), "%s: result %d is no nsf_tls_result\n", how, r);
        *errors += buf;
        out.result = NSF_TLS_MALFORMED;
        return out;
      }
      if (info.consumed > left || info.stalled || info.overran || info.steps > max_steps ||
          (r == NSF_TLS_CONTINUE && info.consumed != left) || (info.out_of_steps && r != NSF_TLS_MALFORMED)) {
        std::snprintf(buf, sizeof(buf),
                      "%s: at %zu a call of %zu bytes returned %d, consumed %u in %u steps (stalled %u, overran %u, "
                      "out of steps %u)\n",
                      how, pos + (chunk - left), left, r, info.consumed, info.steps, info.stalled, info.overran,
                      info.out_of_steps);
        *errors += buf;
        out.result = NSF_TLS_MALFORMED;
        return out;
      }
      out.offset += info.consumed;
      c += info.consumed;
      left -= info.consumed;
      if (r == NSF_TLS_CONTINUE) continue;
      if (r != NSF_TLS_HELLO) {
        out.result = r;
        out.out_of_steps = info.out_of_steps != 0;
        return out;
      }
      ParsedHello h;
      h.type = p.hs_type;
      h.legacy_version = p.legacy_version;
      h.version = nsf_tls_version(&p);
      h.flags = p.flags & (NSF_TLS_HAVE_VERSIONS | NSF_TLS_RETRY_REQUEST);
      h.sni.assign(p.sni, p.sni_len < NSFENCE_SNI_LEN ? p.sni_len : NSFENCE_SNI_LEN - 1);
      h.end = out.offset;
      const bool have = (p.flags & NSF_TLS_HAVE_VERSIONS) != 0;
      const uint64_t prev_end = out.hellos.empty() ? 0 : out.hellos.back().end;
      // A hello is a 4-byte header and at least 38 body bytes; the first one
      // also follows a 5-byte record header.
      const uint64_t min_end = out.hellos.empty() ? 5 + 4 + 38 : prev_end + 4 + 38;
      if ((h.type != NSF_TLS_CLIENT_HELLO && h.type != NSF_TLS_SERVER_HELLO) ||
          ((h.flags & NSF_TLS_RETRY_REQUEST) && h.type != NSF_TLS_SERVER_HELLO) ||
          (have && nsf_tls_grease(p.best_version)) || h.version != (have ? p.best_version : p.legacy_version) ||
          (p.flags & NSF_TLS_IN_MESSAGE) || h.end < min_end) {
        std::snprintf(buf, sizeof(buf), "%s: hello ending at %llu breaks an invariant: type %u flags 0x%x\n", how,
                      static_cast<unsigned long long>(h.end), h.type, p.flags);
        *errors += buf;
      }
      out.hellos.push_back(std::move(h));
      nsf_tls_next(&p);
    }
    pos += chunk;
  }
  return out;
}

// The classification of a segment start agrees with the bytes it looked at.
inline void CheckClassify(const uint8_t* data, size_t size, std::string* errors) {
  uint16_t version = 0xffff;
  const int k = nsf_tls_classify(data, static_cast<uint32_t>(size), &version);
  bool ok = true;
  switch (k) {
    case NSF_TLS_START_OTHER:
      ok = version == 0 || (size >= 5 && version == (0x0300 | data[2]));
      break;
    case NSF_TLS_START_HELLO:
      ok = size >= 6 && data[0] == NSF_TLS_CONTENT_HANDSHAKE && version == (0x0300 | data[2]) &&
           (data[5] == NSF_TLS_CLIENT_HELLO || data[5] == NSF_TLS_SERVER_HELLO);
      break;
    case NSF_TLS_START_SSLV2:
      ok = size >= 5 && (data[0] & 0x80) && data[2] == NSF_TLS_CLIENT_HELLO && version == (data[3] << 8 | data[4]);
      break;
    case NSF_TLS_START_RECORD:
      ok = size >= 5 && (data[0] == NSF_TLS_CONTENT_APPLICATION || data[0] == NSF_TLS_CONTENT_ALERT) &&
           version == (0x0300 | data[2]);
      break;
    default:
      ok = false;
  }
  if (!ok) {
    char buf[120];
    std::snprintf(buf, sizeof(buf), "classify: start kind %d, version 0x%04x, for %zu bytes\n", k, version, size);
    *errors += buf;
  }
  (void)nsf_tls_code(version);
}

// Every invariant on one stream; returns what broke ("" when nothing did).
// max_split_points bounds the split-in-two feedings (each is a full parse).
inline std::string CheckStream(const uint8_t* data, size_t size, size_t max_split_points = 8) {
  std::string errors;
  const uint32_t unbounded = 0xffffffffu;
  const Outcome whole = Feed(data, size, [](size_t n) { return n; }, unbounded, "whole", &errors);
  if (whole.out_of_steps) errors += "whole: out of steps with an unbounded budget\n";
  if (whole.result == NSF_TLS_CONTINUE && whole.offset != size) errors += "whole: continues with bytes left\n";

  auto compare = [&](const Outcome& o, const char* how) {
    if (!(o == whole)) errors += std::string(how) + ": " + Describe(o) + "\n   whole: " + Describe(whole) + "\n";
  };
  // Under the kernel's budget a call may run out of steps: then it ends
  // MALFORMED, having seen a prefix of the hellos; otherwise it is the same.
  auto compare_budget = [&](const Outcome& o, const char* how) {
    if (!o.out_of_steps) {
      compare(o, how);
      return;
    }
    bool prefix = o.result == NSF_TLS_MALFORMED && o.hellos.size() <= whole.hellos.size();
    for (size_t i = 0; prefix && i < o.hellos.size(); i++) prefix = o.hellos[i] == whole.hellos[i];
    if (!prefix) errors += std::string(how) + ": out of steps and not a prefix: " + Describe(o) + "\n";
  };

  compare(Feed(data, size, [](size_t) { return size_t{1}; }, unbounded, "byte at a time", &errors),
          "byte at a time");

  const uint64_t seed = Fnv1a(data, size);
  Rng rng(seed);
  const size_t splits = size < max_split_points ? size : max_split_points;
  for (size_t i = 0; i < splits && size > 1; i++) {
    const size_t at = 1 + static_cast<size_t>(rng.Next() % (size - 1));
    bool first = true;
    compare(Feed(data, size,
                 [&](size_t) {
                   if (!first) return size;
                   first = false;
                   return at;
                 },
                 unbounded, "split in two", &errors),
            "split in two");
  }
  // Chunk sizes the input itself picks, read from its last bytes backwards
  // (1..64 each): the fuzzer steers the cuts without the stream changing.
  size_t from_end = 0;
  compare(Feed(data, size,
               [&](size_t) {
                 const size_t n = 1 + (data[size - 1 - (from_end % size)] & 63);
                 from_end++;
                 return n;
               },
               unbounded, "chunks picked by the input", &errors),
          "chunks picked by the input");
  for (int round = 0; round < 2; round++) {
    const uint64_t max = round == 0 ? 7 : 300;
    compare(Feed(data, size, [&](size_t) { return static_cast<size_t>(1 + rng.Next() % max); }, unbounded,
                 "random chunks", &errors),
            "random chunks");
  }
  compare_budget(Feed(data, size, [](size_t) { return size_t{1448}; }, NSF_TLS_FEED_MAX_STEPS,
                      "1448-byte segments, kernel budget", &errors),
                 "1448-byte segments, kernel budget");
  compare_budget(Feed(data, size, [](size_t n) { return n; }, NSF_TLS_FEED_MAX_STEPS, "whole, kernel budget", &errors),
                 "whole, kernel budget");

  CheckClassify(data, size, &errors);
  return errors;
}

}  // namespace nsfence::tls::check

#endif  // NSFENCE_TESTS_FUZZ_TLS_STREAM_CHECK_H_
