#include "support/testbed/address_plan.h"

namespace nsfence::testbed {
namespace {

constexpr uint8_t kWorldThirdOctet = 255;

// 200 -> 0x200: the IPv6 group is written with the IPv4 octet's digits.
uint16_t SameDigitsInHex(int value) {
  uint16_t hex = 0;
  for (int scale = 1; value > 0; value /= 10, scale *= 16) hex += (value % 10) * scale;
  return hex;
}

IpAddress Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  return IpAddress(IpFamily::kV4, bytes);
}

// fd00:<second>::<seventh>:<eighth>
IpAddress Ipv6(uint16_t second, uint16_t seventh, uint16_t eighth) {
  uint8_t bytes[16] = {0xfd, 0x00};
  bytes[2] = second >> 8;
  bytes[3] = second & 0xff;
  bytes[12] = seventh >> 8;
  bytes[13] = seventh & 0xff;
  bytes[14] = eighth >> 8;
  bytes[15] = eighth & 0xff;
  return IpAddress(IpFamily::kV6, bytes);
}

}  // namespace

Cidr AddressPlan::network_v4() const { return Cidr(Ipv4(10, subnet_, 0, 0), 16); }

Cidr AddressPlan::network_v6() const { return Cidr(Ipv6(SameDigitsInHex(subnet_), 0, 0), 64); }

HostAddresses AddressPlan::Gateway() const { return Host(0, 1); }

HostAddresses AddressPlan::Pod(int namespace_number, int pod_number) const {
  return Host(namespace_number, pod_number);
}

HostAddresses AddressPlan::World(int world_number) const {
  return Host(kWorldThirdOctet, world_number);
}

HostAddresses AddressPlan::Host(uint8_t third_octet, uint8_t fourth_octet) const {
  return {.ipv4 = Ipv4(10, subnet_, third_octet, fourth_octet),
          .ipv6 = Ipv6(SameDigitsInHex(subnet_), SameDigitsInHex(third_octet),
                       SameDigitsInHex(fourth_octet))};
}

}  // namespace nsfence::testbed
