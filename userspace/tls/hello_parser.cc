#include "tls/hello_parser.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace nsfence::tls {

const char* StreamStateName(StreamState s) {
  switch (s) {
    case StreamState::kParsing:
      return "parsing";
    case StreamState::kStopped:
      return "stopped";
    case StreamState::kMalformed:
      return "malformed";
  }
  return "?";
}

HelloStream::HelloStream() : parser_() { nsf_tls_reset(&parser_); }

std::vector<Hello> HelloStream::Feed(std::span<const uint8_t> bytes) {
  std::vector<Hello> out;
  while (state_ == StreamState::kParsing && !bytes.empty()) {
    // One call sees at most 4 GiB; the rest comes in the next round.
    const auto len = static_cast<uint32_t>(std::min<size_t>(bytes.size(), std::numeric_limits<uint32_t>::max()));
    nsf_tls_feed_info info;
    const int r = nsf_tls_feed_bounded(&parser_, bytes.data(), len, NSF_TLS_FEED_MAX_STEPS, &info);
    offset_ += info.consumed;
    steps_ += info.steps;
    bytes = bytes.subspan(info.consumed);
    switch (r) {
      case NSF_TLS_CONTINUE:
        break;
      case NSF_TLS_HELLO: {
        Hello h;
        h.type = parser_.hs_type;
        h.legacy_version = parser_.legacy_version;
        h.version = nsf_tls_version(&parser_);
        h.has_supported_versions = (parser_.flags & NSF_TLS_HAVE_VERSIONS) != 0;
        h.retry_request = (parser_.flags & NSF_TLS_RETRY_REQUEST) != 0;
        h.sni.assign(parser_.sni, std::min<size_t>(parser_.sni_len, NSFENCE_SNI_LEN - 1));
        h.end = offset_;
        out.push_back(std::move(h));
        nsf_tls_next(&parser_);
        break;
      }
      case NSF_TLS_STOP:
        state_ = StreamState::kStopped;
        break;
      default:
        out_of_steps_ = info.out_of_steps != 0;
        state_ = StreamState::kMalformed;
        break;
    }
  }
  return out;
}

StreamResult ParseStream(std::span<const uint8_t> stream) {
  HelloStream s;
  StreamResult r;
  r.hellos = s.Feed(stream);
  r.state = s.state();
  r.offset = s.offset();
  return r;
}

Start ClassifyStart(std::span<const uint8_t> bytes) {
  Start s;
  const auto len = static_cast<uint32_t>(std::min<size_t>(bytes.size(), std::numeric_limits<uint32_t>::max()));
  s.kind = static_cast<StartKind>(nsf_tls_classify(bytes.data(), len, &s.version));
  return s;
}

std::string VersionName(uint16_t v) {
  char buf[32];
  if (nsf_tls_grease(v)) {
    std::snprintf(buf, sizeof(buf), "GREASE 0x%04x", v);
  } else if (v >= 0x0301 && v <= 0x0304) {
    std::snprintf(buf, sizeof(buf), "TLS 1.%d", (v & 0xff) - 1);
  } else if (v == 0x0300) {
    return "SSL 3.0";
  } else if (v == 0x0002) {
    return "SSL 2.0";
  } else {
    std::snprintf(buf, sizeof(buf), "0x%04x", v);
  }
  return buf;
}

}  // namespace nsfence::tls
