#include "common/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nsfence {

IpAddress::IpAddress(IpFamily family, const uint8_t* bytes) : family_(family) {
  std::memcpy(bytes_.data(), bytes, family == IpFamily::kV4 ? 4 : 16);
}

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  const std::string s(text);
  uint8_t buf[16] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return IpAddress(IpFamily::kV4, buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return IpAddress(IpFamily::kV6, buf);
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not an IP address (expected e.g. 10.0.0.1 or fd00::1)"));
}

bool IpAddress::is_unspecified() const {
  const int n = family_ == IpFamily::kV4 ? 4 : 16;
  return std::all_of(bytes_.begin(), bytes_.begin() + n, [](uint8_t b) { return b == 0; });
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_ == IpFamily::kV4 ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof(buf));
  return buf;
}

std::string IpAddress::WithPort(uint16_t port) const {
  if (family_ == IpFamily::kV4) return absl::StrCat(ToString(), ":", port);
  return absl::StrCat("[", ToString(), "]:", port);
}

namespace {

// Byte i of `a` masked to the first `prefix_len` bits.
uint8_t MaskedByte(const IpAddress& a, int i, int prefix_len) {
  const int bits = std::clamp(prefix_len - i * 8, 0, 8);
  const auto mask = static_cast<uint8_t>(bits == 0 ? 0 : 0xff << (8 - bits));
  return a.bytes()[i] & mask;
}

}  // namespace

Cidr::Cidr(const IpAddress& address, int prefix_len) : prefix_len_(prefix_len) {
  uint8_t masked[16] = {};
  for (int i = 0; i < address.bit_length() / 8; ++i) masked[i] = MaskedByte(address, i, prefix_len);
  address_ = IpAddress(address.family(), masked);
}

absl::StatusOr<Cidr> Cidr::Parse(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a CIDR (expected address/prefix, e.g. 10.0.0.0/8 or fd00::/64)"));
  }
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a CIDR: ",
                                                   address.status().message()));
  }
  int len = -1;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &len) || len < 0 || len > address->bit_length()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" has a bad prefix length (expected 0 to ",
                                                   address->bit_length(), ")"));
  }
  Cidr cidr(*address, len);
  if (cidr.address() != *address) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" has host bits set (did you mean ",
                                                   cidr.ToString(), "?)"));
  }
  return cidr;
}

bool Cidr::Contains(const IpAddress& a) const {
  return a.family() == family() && Cidr(a, prefix_len_).address() == address_;
}

bool Cidr::Contains(const Cidr& other) const {
  return other.prefix_len_ >= prefix_len_ && Contains(other.address_);
}

std::string Cidr::ToString() const { return absl::StrCat(address_.ToString(), "/", prefix_len_); }

}  // namespace nsfence
