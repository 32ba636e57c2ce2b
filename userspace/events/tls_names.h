// How TLS events name versions and reasons in JSON.
#ifndef NSFENCE_EVENTS_TLS_NAMES_H_
#define NSFENCE_EVENTS_TLS_NAMES_H_

#include <cstdint>
#include <string>

namespace nsfence::events {

// A wire version: 0x0303 -> "1.2", 0x0300 -> "ssl3.0", 0x0002 -> "ssl2.0",
// anything else -> "0x%04x"; 0 (not seen) -> "".
std::string TlsVersionName(uint16_t wire_version);

// An nsfence_tls_version_code (1 = TLS 1.0 .. 4 = TLS 1.3) -> "1.0".."1.3";
// 0 (no floor) -> "".
std::string TlsFloorName(uint8_t code);

// enum nsfence_tls_reason in snake_case, e.g. "client_offers_below_floor".
std::string TlsReasonName(uint8_t reason);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_TLS_NAMES_H_
