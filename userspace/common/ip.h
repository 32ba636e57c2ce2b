// IPv4/IPv6 addresses and prefixes, parsed and printed the way policies,
// inventories and events write them.
#ifndef NSFENCE_COMMON_IP_H_
#define NSFENCE_COMMON_IP_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nsfence {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;
  // bytes: 4 significant bytes for IPv4, 16 for IPv6, network order.
  IpAddress(IpFamily family, const uint8_t* bytes);

  static absl::StatusOr<IpAddress> Parse(absl::string_view text);

  IpFamily family() const { return family_; }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  int bit_length() const { return family_ == IpFamily::kV4 ? 32 : 128; }
  bool is_unspecified() const;

  std::string ToString() const;
  // "10.0.0.1:80" or "[fd00::1]:80".
  std::string WithPort(uint16_t port) const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    return a.family_ != b.family_ ? a.family_ < b.family_ : a.bytes_ < b.bytes_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& a) {
    return H::combine(std::move(h), a.family_, a.bytes_);
  }

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};  // IPv4 in the first 4 bytes
};

// An address prefix such as 10.0.0.0/8 or fd00::/64; host bits are zero.
class Cidr {
 public:
  Cidr() = default;
  // Clears the host bits of `address` beyond `prefix_len`.
  Cidr(const IpAddress& address, int prefix_len);

  // Accepts "a.b.c.d/n", "x::y/n"; rejects host bits set, as Kubernetes does.
  static absl::StatusOr<Cidr> Parse(absl::string_view text);
  static Cidr Host(const IpAddress& address) { return Cidr(address, address.bit_length()); }

  const IpAddress& address() const { return address_; }
  IpFamily family() const { return address_.family(); }
  int prefix_len() const { return prefix_len_; }

  bool Contains(const IpAddress& a) const;
  // True when every address of `other` is in this prefix.
  bool Contains(const Cidr& other) const;
  std::string ToString() const;

  friend bool operator==(const Cidr& a, const Cidr& b) {
    return a.prefix_len_ == b.prefix_len_ && a.address_ == b.address_;
  }
  friend bool operator!=(const Cidr& a, const Cidr& b) { return !(a == b); }
  friend bool operator<(const Cidr& a, const Cidr& b) {
    return a.address_ != b.address_ ? a.address_ < b.address_ : a.prefix_len_ < b.prefix_len_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Cidr& c) {
    return H::combine(std::move(h), c.address_, c.prefix_len_);
  }

 private:
  IpAddress address_;
  int prefix_len_ = 0;
};

}  // namespace nsfence

#endif  // NSFENCE_COMMON_IP_H_
