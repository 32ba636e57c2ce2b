// Hand-built frames for BPF_PROG_TEST_RUN: Ethernet, IPv4 or IPv6 (with
// optional extension headers), TCP or UDP.
#ifndef NSFENCE_TESTS_BPF_PACKETS_H_
#define NSFENCE_TESTS_BPF_PACKETS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ip.h"

namespace nsfence::bpftest {

inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kAck = 0x10;

struct PacketSpec {
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = kTcp;
  uint16_t src_port = 40000;
  uint16_t dst_port = 80;
  uint8_t tcp_flags = kSyn;
  // IPv6 only: extension header types inserted before the transport header.
  std::vector<uint8_t> ipv6_extensions;
  // Cut the transport header to this many bytes (a malformed packet).
  size_t transport_bytes = SIZE_MAX;
};

std::vector<uint8_t> BuildFrame(const PacketSpec& spec);

}  // namespace nsfence::bpftest

#endif  // NSFENCE_TESTS_BPF_PACKETS_H_
