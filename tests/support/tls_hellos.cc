#include "support/tls_hellos.h"

#include <algorithm>

namespace nsfence::testing {
namespace {

void Put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void Put24(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  Put16(b, v & 0xffff);
}

void Append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

constexpr uint8_t kRetryRandom[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

Bytes Extensions(const HelloSpec& spec, bool client) {
  Bytes ext;
  if (!spec.sni.empty() && client) {
    Put16(ext, 0);
    Put16(ext, spec.sni.size() + 5);
    Put16(ext, spec.sni.size() + 3);
    ext.push_back(0);
    Put16(ext, spec.sni.size());
    ext.insert(ext.end(), spec.sni.begin(), spec.sni.end());
  }
  if (spec.padding > 0) {
    Put16(ext, 21);  // padding extension
    Put16(ext, spec.padding);
    ext.insert(ext.end(), spec.padding, 0);
  }
  if (!spec.supported_versions.empty()) {
    Put16(ext, 43);
    if (client) {
      Put16(ext, 1 + 2 * spec.supported_versions.size());
      ext.push_back(static_cast<uint8_t>(2 * spec.supported_versions.size()));
    } else {
      Put16(ext, 2);
    }
    for (uint16_t v : spec.supported_versions) Put16(ext, v);
  }
  return ext;
}

Bytes Message(uint8_t type, const Bytes& body) {
  Bytes m{type};
  Put24(m, body.size());
  Append(m, body);
  return m;
}

}  // namespace

Bytes ClientHelloMessage(const HelloSpec& spec) {
  Bytes body;
  Put16(body, spec.legacy_version);
  body.insert(body.end(), 32, 0x42);
  body.push_back(0);         // session id
  Put16(body, 4);            // cipher suites
  Put16(body, 0x1301);
  Put16(body, 0x002f);
  body.push_back(1);         // compression methods
  body.push_back(0);
  const Bytes ext = Extensions(spec, true);
  if (!ext.empty()) {
    Put16(body, ext.size());
    Append(body, ext);
  }
  return Message(1, body);
}

Bytes ServerHelloMessage(const HelloSpec& spec) {
  Bytes body;
  Put16(body, spec.legacy_version);
  if (spec.retry_request) {
    body.insert(body.end(), kRetryRandom, kRetryRandom + 32);
  } else {
    body.insert(body.end(), 32, 0x24);
  }
  body.push_back(0);     // session id
  Put16(body, 0x002f);   // cipher suite
  body.push_back(0);     // compression
  const Bytes ext = Extensions(spec, false);
  if (!ext.empty()) {
    Put16(body, ext.size());
    Append(body, ext);
  }
  return Message(2, body);
}

Bytes InRecords(const Bytes& message, size_t fragment, uint8_t content_type) {
  Bytes out;
  for (size_t at = 0; at < message.size(); at += fragment) {
    const size_t n = std::min(fragment, message.size() - at);
    out.push_back(content_type);
    Put16(out, 0x0301);
    Put16(out, n);
    out.insert(out.end(), message.begin() + at, message.begin() + at + n);
  }
  return out;
}

Bytes ClientHello(const HelloSpec& spec) { return InRecords(ClientHelloMessage(spec)); }
Bytes ServerHello(const HelloSpec& spec) { return InRecords(ServerHelloMessage(spec)); }

Bytes Sslv2ClientHello(uint16_t version) {
  Bytes body{0x01};
  Put16(body, version);
  Put16(body, 3);   // cipher specs length
  Put16(body, 0);   // session id length
  Put16(body, 16);  // challenge length
  body.insert(body.end(), {0x00, 0x00, 0x2f});
  body.insert(body.end(), 16, 0x11);
  Bytes out;
  Put16(out, 0x8000 | body.size());
  Append(out, body);
  return out;
}

}  // namespace nsfence::testing
