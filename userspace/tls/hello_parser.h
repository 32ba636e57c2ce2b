// TLS ClientHello/ServerHello reading for userspace: a C++ face on the one C
// parser the datapath runs (bpf/include/nsfence/tls_parser.h, compiled as C in
// tls_parser.c and driven the way bpf/lib/tls_feed.h drives it).
#ifndef NSFENCE_TLS_HELLO_PARSER_H_
#define NSFENCE_TLS_HELLO_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tls/tls_feed.h"

namespace nsfence::tls {

// One ClientHello or ServerHello message, as the parser saw it.
struct Hello {
  int type = 0;                 // NSF_TLS_CLIENT_HELLO or NSF_TLS_SERVER_HELLO
  uint16_t legacy_version = 0;  // the message's legacy_version field
  // What decides: a ClientHello's highest offered version, a ServerHello's
  // selected one (supported_versions when it named a non-GREASE version,
  // else legacy_version).
  uint16_t version = 0;
  bool has_supported_versions = false;
  bool retry_request = false;   // a ServerHello that is a HelloRetryRequest
  std::string sni;              // first host_name, at most NSFENCE_SNI_LEN - 1 bytes
  uint64_t end = 0;             // stream offset just past the message's last byte

  bool operator==(const Hello&) const = default;
};

enum class StreamState {
  kParsing,    // every byte so far was part of hellos, or is awaited
  kStopped,    // something other than a hello began (NSF_TLS_STOP)
  kMalformed,  // not a well-formed hello (NSF_TLS_MALFORMED)
};

const char* StreamStateName(StreamState s);

// One direction of a TCP stream, fed in order in chunks of any size. Hellos
// come out in stream order; after the first STOP or MALFORMED the rest of the
// stream is ignored.
class HelloStream {
 public:
  HelloStream();

  // The hellos that ended within `bytes`.
  std::vector<Hello> Feed(std::span<const uint8_t> bytes);
  std::vector<Hello> Feed(const void* data, size_t size) {
    return Feed(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size));
  }

  StreamState state() const { return state_; }
  // Stream bytes the parser took; when it stopped, the offset just past the
  // step that decided (a STOP's record header or handshake header).
  uint64_t offset() const { return offset_; }
  // Parser steps taken, over all calls.
  uint64_t steps() const { return steps_; }
  // Whether a chunk ran out of the per-call step budget (then kMalformed).
  bool out_of_steps() const { return out_of_steps_; }

 private:
  nsf_tls_parser parser_;
  StreamState state_ = StreamState::kParsing;
  uint64_t offset_ = 0;
  uint64_t steps_ = 0;
  bool out_of_steps_ = false;
};

// Every hello of a whole stream, and how it ended.
struct StreamResult {
  std::vector<Hello> hellos;
  StreamState state = StreamState::kParsing;
  uint64_t offset = 0;

  bool operator==(const StreamResult&) const = default;
};
StreamResult ParseStream(std::span<const uint8_t> stream);

// What a segment's first bytes begin when it is not known to start a stream
// (nsf_tls_classify_start).
enum class StartKind {
  kOther = NSF_TLS_START_OTHER,
  kHello = NSF_TLS_START_HELLO,
  kSslv2Hello = NSF_TLS_START_SSLV2,
  kRecord = NSF_TLS_START_RECORD,
};
struct Start {
  StartKind kind = StartKind::kOther;
  uint16_t version = 0;  // the SSLv2 hello's client_version, or the record's version
};
Start ClassifyStart(std::span<const uint8_t> bytes);

// "TLS 1.2" for 0x0303, "SSL 3.0", "GREASE 0x0a0a", else "0x%04x".
std::string VersionName(uint16_t wire_version);

}  // namespace nsfence::tls

#endif  // NSFENCE_TLS_HELLO_PARSER_H_
