#include "support/testbed/tls_hello.h"

#include <algorithm>

#include "absl/strings/escaping.h"

namespace nsfence::testbed {
namespace {

constexpr uint8_t kHandshakeRecord = 0x16;
constexpr uint8_t kClientHelloType = 0x01;

// Extension types.
constexpr uint16_t kServerName = 0;
constexpr uint16_t kSupportedGroups = 10;
constexpr uint16_t kEcPointFormats = 11;
constexpr uint16_t kSignatureAlgorithms = 13;
constexpr uint16_t kEncryptThenMac = 22;
constexpr uint16_t kExtendedMasterSecret = 23;
constexpr uint16_t kSessionTicket = 35;
constexpr uint16_t kSupportedVersions = 43;
constexpr uint16_t kPskKeyExchangeModes = 45;
constexpr uint16_t kRenegotiationInfo = 0xff01;

void Put8(std::string& out, unsigned value) { out.push_back(static_cast<char>(value & 0xff)); }

void Put16(std::string& out, unsigned value) {
  Put8(out, value >> 8);
  Put8(out, value);
}

void Put24(std::string& out, unsigned value) {
  Put8(out, value >> 16);
  Put16(out, value);
}

// `body` behind a 1-, 2- or 3-byte length.
std::string WithLength8(const std::string& body) {
  std::string out;
  Put8(out, body.size());
  return out + body;
}

std::string WithLength16(const std::string& body) {
  std::string out;
  Put16(out, body.size());
  return out + body;
}

std::string WithLength24(const std::string& body) {
  std::string out;
  Put24(out, body.size());
  return out + body;
}

std::string Extension(uint16_t type, const std::string& body) {
  std::string out;
  Put16(out, type);
  return out + WithLength16(body);
}

std::string List16(const std::vector<uint16_t>& values) {
  std::string out;
  for (uint16_t value : values) Put16(out, value);
  return out;
}

std::string Random(uint8_t seed) {
  std::string out;
  for (int i = 0; i < 32; ++i) Put8(out, seed + i * 7);
  return out;
}

}  // namespace

std::string ClientHello(const ClientHelloSpec& spec) {
  const bool tls13 = std::any_of(spec.supported_versions.begin(), spec.supported_versions.end(),
                                 [](uint16_t v) { return v >= kTls13; });
  const bool tls12 = tls13 || spec.legacy_version >= kTls12 ||
                     std::any_of(spec.supported_versions.begin(), spec.supported_versions.end(),
                                 [](uint16_t v) { return v >= kTls12; });

  std::vector<uint16_t> suites;
  if (tls13) suites.insert(suites.end(), {0x1302, 0x1303, 0x1301});
  if (tls12) suites.insert(suites.end(), {0xc02c, 0xc030, 0x009f, 0xc02b, 0xc02f, 0x009e});
  suites.insert(suites.end(), {0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x0035, 0x002f});
  suites.push_back(0x00ff);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV

  std::string extensions;
  if (!spec.sni.empty()) {
    std::string name;
    Put8(name, 0);  // host_name
    name += WithLength16(spec.sni);
    extensions += Extension(kServerName, WithLength16(name));
  }
  extensions += Extension(kEcPointFormats, WithLength8(std::string("\x00\x01\x02", 3)));
  extensions += Extension(kSupportedGroups, WithLength16(List16({0x001d, 0x0017, 0x0018})));
  extensions += Extension(kSessionTicket, "");
  if (tls12) {
    extensions += Extension(kSignatureAlgorithms,
                            WithLength16(List16({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                                                 0x0201, 0x0203})));
  }
  extensions += Extension(kEncryptThenMac, "");
  extensions += Extension(kExtendedMasterSecret, "");
  if (!spec.supported_versions.empty()) {
    extensions += Extension(kSupportedVersions, WithLength8(List16(spec.supported_versions)));
  }
  if (tls13) extensions += Extension(kPskKeyExchangeModes, WithLength8(std::string("\x01", 1)));
  extensions += Extension(kRenegotiationInfo, WithLength8(""));

  std::string body;
  Put16(body, spec.legacy_version);
  body += Random(static_cast<uint8_t>(spec.legacy_version));
  body += WithLength8("");  // no session id
  body += WithLength16(List16(suites));
  body += WithLength8(std::string("\x00", 1));  // null compression
  body += WithLength16(extensions);

  std::string handshake;
  Put8(handshake, kClientHelloType);
  handshake += WithLength24(body);

  std::string record;
  Put8(record, kHandshakeRecord);
  Put16(record, spec.record_version);
  return record + WithLength16(handshake);
}

std::string Tls10ClientHello(absl::string_view sni) {
  return ClientHello({.legacy_version = kTls10, .sni = std::string(sni)});
}

std::string Tls12ClientHello(absl::string_view sni) {
  return ClientHello({.legacy_version = kTls12, .sni = std::string(sni)});
}

std::string Sslv2CompatibleClientHello(uint16_t version) {
  // TLS_RSA_WITH_AES_128_CBC_SHA, _AES_256_CBC_SHA, _3DES_EDE_CBC_SHA and the
  // renegotiation SCSV, each as a 3-byte SSL 2.0 cipher spec.
  const std::string specs("\x00\x00\x2f\x00\x00\x35\x00\x00\x0a\x00\x00\xff", 12);
  const std::string challenge = Random(0x5a);
  std::string message;
  Put8(message, kClientHelloType);
  Put16(message, version);
  Put16(message, specs.size());
  Put16(message, 0);  // session id length
  Put16(message, challenge.size());
  message += specs + challenge;
  std::string record;
  Put16(record, 0x8000 | message.size());  // 2-byte header, no padding
  return record + message;
}

std::string ToHex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

}  // namespace nsfence::testbed
