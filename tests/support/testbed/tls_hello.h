// TLS ClientHello messages built byte by byte, for tests that send a hello
// on their own terms (split over writes, after a plaintext exchange, on a
// connection opened earlier) through a raw sender rather than a TLS library.
//
// Layouts: RFC 5246 7.4.1.2 and RFC 8446 4.1.2 (ClientHello), RFC 8446 4.2.1
// (supported_versions), RFC 6066 3 (server_name), RFC 5246 E.2 (the
// SSL 2.0-compatible ClientHello).
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_TLS_HELLO_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_TLS_HELLO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace nsfence::testbed {

// Wire versions.
inline constexpr uint16_t kTls10 = 0x0301;
inline constexpr uint16_t kTls11 = 0x0302;
inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;

struct ClientHelloSpec {
  // The record header's version: 0x0301 from every common client.
  uint16_t record_version = kTls10;
  // ClientHello.legacy_version: the client's maximum without supported_versions.
  uint16_t legacy_version = kTls10;
  // supported_versions entries, in order; empty: no such extension.
  std::vector<uint16_t> supported_versions;
  // server_name; empty: no such extension.
  std::string sni = "raw.test";
};

// One handshake record holding a ClientHello with the cipher suites,
// compression and extensions of an OpenSSL client of the version in `spec`
// (a fixed random: the bytes are the same on every call).
std::string ClientHello(const ClientHelloSpec& spec);

// What an OpenSSL 3.0 `s_client -tls1` sends, in shape: legacy_version TLS 1.0,
// no supported_versions.
std::string Tls10ClientHello(absl::string_view sni = "raw.test");
// `s_client -tls1_2`: legacy_version TLS 1.2, no supported_versions.
std::string Tls12ClientHello(absl::string_view sni = "raw.test");

// An SSL 2.0-compatible ClientHello (RFC 5246 E.2) naming `version` as the
// client's maximum: 0x80|length, 0x01, version, three lengths, the cipher
// specs, no session id, a 32-byte challenge.
std::string Sslv2CompatibleClientHello(uint16_t version = kTls10);

// Lowercase hex, two digits a byte.
std::string ToHex(absl::string_view bytes);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_TLS_HELLO_H_
