// Builds TLS ClientHello/ServerHello messages and records byte by byte, for
// crafted parser cases: every length is computed unless a test overrides it.
#ifndef NSFENCE_TESTS_SUPPORT_TLS_HELLO_BUILDER_H_
#define NSFENCE_TESTS_SUPPORT_TLS_HELLO_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nsfence::tls::testing {

using Bytes = std::vector<uint8_t>;

void Append(Bytes& out, const Bytes& more);
void PutU16(Bytes& out, uint32_t v);
void PutU24(Bytes& out, uint32_t v);
Bytes Concat(std::initializer_list<Bytes> parts);

struct Extension {
  uint16_t type = 0;
  Bytes body;
  std::optional<uint32_t> length;  // the length field, when it must lie
};

// supported_versions bodies: a ClientHello's list, a ServerHello's selection.
Bytes ClientVersionsBody(const std::vector<uint16_t>& versions);
Bytes ServerVersionBody(uint16_t version);
// server_name body with one entry of `name_type` (0 = host_name).
Bytes ServerNameBody(const std::string& name, uint8_t name_type = 0);

class HelloBuilder {
 public:
  static HelloBuilder Client();
  static HelloBuilder Server();
  // A ServerHello with the HelloRetryRequest random, selecting TLS 1.3.
  static HelloBuilder RetryRequest();

  HelloBuilder& LegacyVersion(uint16_t v) { legacy_version_ = v; return *this; }
  HelloBuilder& Random(const Bytes& r) { random_ = r; return *this; }
  HelloBuilder& SessionId(const Bytes& id) { session_id_ = id; return *this; }
  HelloBuilder& SessionIdLength(uint8_t n) { session_id_length_ = n; return *this; }
  HelloBuilder& CipherSuites(const std::vector<uint16_t>& c) { ciphers_ = c; return *this; }
  HelloBuilder& CipherSuitesLength(uint16_t n) { ciphers_length_ = n; return *this; }
  HelloBuilder& Compression(const Bytes& c) { compression_ = c; return *this; }
  HelloBuilder& Ext(uint16_t type, const Bytes& body) { extensions_.push_back({type, body, std::nullopt}); return *this; }
  HelloBuilder& ExtWithLength(uint16_t type, const Bytes& body, uint32_t length) {
    extensions_.push_back({type, body, length});
    return *this;
  }
  HelloBuilder& Versions(const std::vector<uint16_t>& v);  // supported_versions, by hello type
  HelloBuilder& Sni(const std::string& name) { return Ext(0, ServerNameBody(name)); }
  // An extension of an unrecognised type carrying n bytes.
  HelloBuilder& Filler(size_t n, uint16_t type = 0xfe00);
  HelloBuilder& NoExtensionsBlock() { no_extensions_block_ = true; return *this; }
  HelloBuilder& ExtensionsLength(uint32_t n) { extensions_length_ = n; return *this; }
  HelloBuilder& MessageLength(uint32_t n) { message_length_ = n; return *this; }

  Bytes Body() const;
  Bytes Message() const;  // handshake header + body
  // The message in handshake records of at most `fragment` bytes each.
  Bytes Records(size_t fragment = 16384) const;

 private:
  explicit HelloBuilder(uint8_t type);

  uint8_t type_;
  uint16_t legacy_version_ = 0x0303;
  Bytes random_;
  Bytes session_id_;
  std::optional<uint8_t> session_id_length_;
  std::vector<uint16_t> ciphers_;
  std::optional<uint16_t> ciphers_length_;
  Bytes compression_;
  std::vector<Extension> extensions_;
  bool no_extensions_block_ = false;
  std::optional<uint32_t> extensions_length_;
  std::optional<uint32_t> message_length_;
};

// `payload` in records of `content_type`, at most `fragment` bytes each.
Bytes Records(const Bytes& payload, uint8_t content_type = 0x16, size_t fragment = 16384,
              uint16_t record_version = 0x0301);
Bytes ChangeCipherSpec();
Bytes ApplicationData(size_t n = 24);
// A handshake message of another type (11 = Certificate) with n body bytes.
Bytes HandshakeMessage(uint8_t type, size_t n);
// An SSL 2.0-compatible ClientHello (RFC 5246 E.2) offering `version`.
Bytes Sslv2ClientHello(uint16_t version);

}  // namespace nsfence::tls::testing

#endif  // NSFENCE_TESTS_SUPPORT_TLS_HELLO_BUILDER_H_
