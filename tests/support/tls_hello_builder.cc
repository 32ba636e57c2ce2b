#include "support/tls_hello_builder.h"

#include <algorithm>

namespace nsfence::tls::testing {

namespace {
const Bytes kHrrRandom = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                          0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                          0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
}  // namespace

void Append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

void PutU16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void PutU24(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  PutU16(out, v & 0xffff);
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) Append(out, p);
  return out;
}

Bytes ClientVersionsBody(const std::vector<uint16_t>& versions) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(2 * versions.size()));
  for (uint16_t v : versions) PutU16(b, v);
  return b;
}

Bytes ServerVersionBody(uint16_t version) {
  Bytes b;
  PutU16(b, version);
  return b;
}

Bytes ServerNameBody(const std::string& name, uint8_t name_type) {
  Bytes b;
  PutU16(b, static_cast<uint32_t>(3 + name.size()));
  b.push_back(name_type);
  PutU16(b, static_cast<uint32_t>(name.size()));
  b.insert(b.end(), name.begin(), name.end());
  return b;
}

HelloBuilder::HelloBuilder(uint8_t type) : type_(type), random_(32, 0x5a), session_id_(32, 0x33) {
  if (type == 1) {
    ciphers_ = {0x1301, 0x1302, 0x1303, 0xc02f, 0x002f};
    compression_ = {0};
  } else {
    ciphers_ = {0x1301};
    compression_ = {0};
  }
}

HelloBuilder HelloBuilder::Client() { return HelloBuilder(1); }
HelloBuilder HelloBuilder::Server() { return HelloBuilder(2); }

HelloBuilder HelloBuilder::RetryRequest() {
  HelloBuilder b(2);
  b.Random(kHrrRandom).Versions({0x0304});
  return b;
}

HelloBuilder& HelloBuilder::Versions(const std::vector<uint16_t>& v) {
  return Ext(43, type_ == 1 ? ClientVersionsBody(v) : ServerVersionBody(v.empty() ? 0 : v.front()));
}

HelloBuilder& HelloBuilder::Filler(size_t n, uint16_t type) { return Ext(type, Bytes(n, 0xee)); }

Bytes HelloBuilder::Body() const {
  Bytes b;
  PutU16(b, legacy_version_);
  Append(b, random_);
  b.push_back(session_id_length_.value_or(static_cast<uint8_t>(session_id_.size())));
  Append(b, session_id_);
  if (type_ == 1) {
    PutU16(b, ciphers_length_.value_or(static_cast<uint16_t>(2 * ciphers_.size())));
    for (uint16_t c : ciphers_) PutU16(b, c);
    b.push_back(static_cast<uint8_t>(compression_.size()));
    Append(b, compression_);
  } else {
    PutU16(b, ciphers_.empty() ? 0 : ciphers_.front());
    b.push_back(compression_.empty() ? 0 : compression_.front());
  }
  if (no_extensions_block_) return b;
  Bytes ext;
  for (const Extension& e : extensions_) {
    PutU16(ext, e.type);
    PutU16(ext, e.length.value_or(static_cast<uint32_t>(e.body.size())));
    Append(ext, e.body);
  }
  PutU16(b, extensions_length_.value_or(static_cast<uint32_t>(ext.size())));
  Append(b, ext);
  return b;
}

Bytes HelloBuilder::Message() const {
  Bytes body = Body();
  Bytes m;
  m.push_back(type_);
  PutU24(m, message_length_.value_or(static_cast<uint32_t>(body.size())));
  Append(m, body);
  return m;
}

Bytes HelloBuilder::Records(size_t fragment) const { return testing::Records(Message(), 0x16, fragment); }

Bytes Records(const Bytes& payload, uint8_t content_type, size_t fragment, uint16_t record_version) {
  Bytes out;
  for (size_t off = 0; off < payload.size(); off += fragment) {
    const size_t n = std::min(fragment, payload.size() - off);
    out.push_back(content_type);
    PutU16(out, record_version);
    PutU16(out, static_cast<uint32_t>(n));
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
               payload.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
  return out;
}

Bytes ChangeCipherSpec() { return Records({0x01}, 0x14, 16384, 0x0303); }

Bytes ApplicationData(size_t n) { return Records(Bytes(n, 0xab), 0x17, 16384, 0x0303); }

Bytes HandshakeMessage(uint8_t type, size_t n) {
  Bytes m;
  m.push_back(type);
  PutU24(m, static_cast<uint32_t>(n));
  Append(m, Bytes(n, 0xc3));
  return m;
}

Bytes Sslv2ClientHello(uint16_t version) {
  // msg_type(1) version(2) cipher_spec_length(2) session_id_length(2)
  // challenge_length(2), then what OpenSSL clients sent: TLS_RSA_WITH_AES_128_CBC_SHA,
  // _AES_256_CBC_SHA, _3DES_EDE_CBC_SHA and the renegotiation SCSV as 3-byte
  // SSL 2.0 cipher specs, no session id, a 32-byte challenge.
  const Bytes specs = {0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0a, 0x00, 0x00, 0xff};
  Bytes body = {0x01};
  PutU16(body, version);
  PutU16(body, static_cast<uint32_t>(specs.size()));
  PutU16(body, 0);
  PutU16(body, 32);
  Append(body, specs);
  Append(body, Bytes(32, 0x77));
  Bytes out;
  PutU16(out, 0x8000 | static_cast<uint32_t>(body.size()));
  Append(out, body);
  return out;
}

}  // namespace nsfence::tls::testing
