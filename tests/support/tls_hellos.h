// Hand-built TLS hellos for datapath tests: the fields nsfence decides on,
// laid out as RFC 8446 4.1.2-4.1.3 and RFC 5246 E.2 say.
#ifndef NSFENCE_TESTS_SUPPORT_TLS_HELLOS_H_
#define NSFENCE_TESTS_SUPPORT_TLS_HELLOS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nsfence::testing {

using Bytes = std::vector<uint8_t>;

struct HelloSpec {
  uint16_t legacy_version = 0x0303;
  std::vector<uint16_t> supported_versions;  // empty: no extension
  std::string sni;                           // empty: no extension
  bool retry_request = false;                // ServerHello only: the HRR random
  size_t padding = 0;                        // bytes of an extra extension, to grow the hello
};

// One handshake message, without the record header.
Bytes ClientHelloMessage(const HelloSpec& spec);
Bytes ServerHelloMessage(const HelloSpec& spec);
// The message in records of at most `fragment` body bytes.
Bytes InRecords(const Bytes& message, size_t fragment = 16384, uint8_t content_type = 0x16);
Bytes ClientHello(const HelloSpec& spec);
Bytes ServerHello(const HelloSpec& spec);
// An SSL 2.0-compatible ClientHello naming `version`.
Bytes Sslv2ClientHello(uint16_t version);

}  // namespace nsfence::testing

#endif  // NSFENCE_TESTS_SUPPORT_TLS_HELLOS_H_
