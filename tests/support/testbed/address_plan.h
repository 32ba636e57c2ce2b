// Addresses on a node's pod network, 10.<s>.0.0/16 and fd00:<s>::/64 for a
// subnet number <s>. The IPv6 address of a host reads like its IPv4 one:
//   bridge (gateway)            10.<s>.0.1     fd00:<s>::1
//   pod <p> of namespace <n>    10.<s>.<n>.<p> fd00:<s>::<n>:<p>
//   world host <w>              10.<s>.255.<w> fd00:<s>::255:<w>
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_ADDRESS_PLAN_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_ADDRESS_PLAN_H_

#include <cstdint>

#include "common/ip.h"

namespace nsfence::testbed {

struct HostAddresses {
  IpAddress ipv4;
  IpAddress ipv6;
};

class AddressPlan {
 public:
  static constexpr int kFirstNamespaceNumber = 1;
  static constexpr int kLastNamespaceNumber = 254;
  // Per namespace, and for world hosts.
  static constexpr int kFirstHostNumber = 2;
  static constexpr int kLastHostNumber = 254;

  // subnet: 0..255.
  explicit AddressPlan(uint8_t subnet) : subnet_(subnet) {}

  Cidr network_v4() const;
  Cidr network_v6() const;
  HostAddresses Gateway() const;
  HostAddresses Pod(int namespace_number, int pod_number) const;
  HostAddresses World(int world_number) const;

 private:
  HostAddresses Host(uint8_t third_octet, uint8_t fourth_octet) const;

  uint8_t subnet_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_ADDRESS_PLAN_H_
