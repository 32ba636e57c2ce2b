#include "support/testbed/tls_hello.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "support/tls_hello_builder.h"

namespace nsfence::testbed {
namespace {

using tls::testing::Bytes;
using tls::testing::HelloBuilder;

// Extension types.
constexpr uint16_t kSupportedGroups = 10;
constexpr uint16_t kEcPointFormats = 11;
constexpr uint16_t kSignatureAlgorithms = 13;
constexpr uint16_t kEncryptThenMac = 22;
constexpr uint16_t kExtendedMasterSecret = 23;
constexpr uint16_t kSessionTicket = 35;
constexpr uint16_t kPskKeyExchangeModes = 45;
constexpr uint16_t kRenegotiationInfo = 0xff01;

// `values` as a list behind a 2-byte length.
Bytes List16(const std::vector<uint16_t>& values) {
  Bytes out;
  tls::testing::PutU16(out, static_cast<uint32_t>(2 * values.size()));
  for (uint16_t value : values) tls::testing::PutU16(out, value);
  return out;
}

Bytes Random(uint8_t seed) {
  Bytes out;
  for (int i = 0; i < 32; ++i) out.push_back(static_cast<uint8_t>(seed + i * 7));
  return out;
}

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

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

  HelloBuilder b = HelloBuilder::Client();
  b.LegacyVersion(spec.legacy_version).Random(Random(static_cast<uint8_t>(spec.legacy_version)));
  b.CipherSuites(suites).Compression({0});
  if (!spec.sni.empty()) b.Sni(spec.sni);
  b.Ext(kEcPointFormats, {0x03, 0x00, 0x01, 0x02});
  b.Ext(kSupportedGroups, List16({0x001d, 0x0017, 0x0018}));
  b.Ext(kSessionTicket, {});
  if (tls12) {
    b.Ext(kSignatureAlgorithms,
          List16({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0201, 0x0203}));
  }
  b.Ext(kEncryptThenMac, {});
  b.Ext(kExtendedMasterSecret, {});
  if (!spec.supported_versions.empty()) b.Versions(spec.supported_versions);
  if (tls13) b.Ext(kPskKeyExchangeModes, {0x01, 0x01});
  b.Ext(kRenegotiationInfo, {0x00});
  return Text(tls::testing::Records(b.Message(), 0x16, 16384, spec.record_version));
}

std::string Tls10ClientHello(absl::string_view sni) {
  return ClientHello({.legacy_version = kTls10, .sni = std::string(sni)});
}

std::string Tls12ClientHello(absl::string_view sni) {
  return ClientHello({.legacy_version = kTls12, .sni = std::string(sni)});
}

std::string Sslv2CompatibleClientHello(uint16_t version) {
  return Text(tls::testing::Sslv2ClientHello(version));
}

std::string ToHex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

}  // namespace nsfence::testbed
