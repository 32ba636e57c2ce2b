#include "bpf/packets.h"

#include <algorithm>

namespace nsfence::bpftest {
namespace {

void Put16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(v >> 8);
  out->push_back(v & 0xff);
}

void PutAddress(std::vector<uint8_t>* out, const IpAddress& a) {
  const int n = a.family() == IpFamily::kV4 ? 4 : 16;
  out->insert(out->end(), a.bytes().begin(), a.bytes().begin() + n);
}

std::vector<uint8_t> Transport(const PacketSpec& s) {
  std::vector<uint8_t> l4;
  Put16(&l4, s.src_port);
  Put16(&l4, s.dst_port);
  if (s.protocol == kTcp) {
    l4.insert(l4.end(), 8, 0);  // seq, ack
    l4.push_back(5 << 4);       // data offset
    l4.push_back(s.tcp_flags);
    Put16(&l4, 65535);  // window
    l4.insert(l4.end(), 4, 0);  // checksum, urgent
  } else if (s.protocol == kUdp) {
    Put16(&l4, 8);
    Put16(&l4, 0);
  } else {
    l4 = {8, 0, 0, 0, 0, 0, 0, 0};  // ICMP echo request
  }
  l4.resize(std::min(l4.size(), s.transport_bytes));
  return l4;
}

}  // namespace

std::vector<uint8_t> BuildFrame(const PacketSpec& s) {
  const bool v4 = s.src.family() == IpFamily::kV4;
  std::vector<uint8_t> frame(12, 0);  // destination and source MAC
  frame[0] = 0x02;
  frame[6] = 0x02;
  Put16(&frame, v4 ? 0x0800 : 0x86dd);
  const std::vector<uint8_t> l4 = Transport(s);

  if (v4) {
    const uint16_t total = 20 + l4.size();
    frame.insert(frame.end(), {0x45, 0});
    Put16(&frame, total);
    frame.insert(frame.end(), {0, 0, 0x40, 0, 64, s.protocol, 0, 0});  // id, DF, ttl, proto, csum
    PutAddress(&frame, s.src);
    PutAddress(&frame, s.dst);
  } else {
    std::vector<uint8_t> ext;
    uint8_t next = s.protocol;
    // Built back to front so each header names the one after it.
    for (auto it = s.ipv6_extensions.rbegin(); it != s.ipv6_extensions.rend(); ++it) {
      std::vector<uint8_t> h = {next, 0, 1, 4, 0, 0, 0, 0};  // 8 bytes, PadN option
      if (*it == 44) h = {next, 0, 0, 0, 0, 0, 0, 1};         // fragment: offset 0, id 1
      ext.insert(ext.begin(), h.begin(), h.end());
      next = *it;
    }
    frame.insert(frame.end(), {0x60, 0, 0, 0});
    Put16(&frame, ext.size() + l4.size());
    frame.push_back(next);
    frame.push_back(64);
    PutAddress(&frame, s.src);
    PutAddress(&frame, s.dst);
    frame.insert(frame.end(), ext.begin(), ext.end());
  }
  frame.insert(frame.end(), l4.begin(), l4.end());
  return frame;
}

}  // namespace nsfence::bpftest
