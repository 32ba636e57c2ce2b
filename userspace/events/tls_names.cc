#include "events/tls_names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nsfence/abi.h"

namespace nsfence::events {

std::string TlsVersionName(uint16_t wire_version) {
  switch (wire_version) {
    case 0:
      return "";
    case 0x0002:
      return "ssl2.0";
    case 0x0300:
      return "ssl3.0";
    case 0x0301:
      return "1.0";
    case 0x0302:
      return "1.1";
    case 0x0303:
      return "1.2";
    case 0x0304:
      return "1.3";
    default:
      return absl::StrFormat("0x%04x", wire_version);
  }
}

std::string TlsFloorName(uint8_t code) {
  // A version code is the minor byte of the wire version (abi.h).
  return code == NSFENCE_TLS_NONE ? "" : TlsVersionName(static_cast<uint16_t>(0x0300 + code));
}

std::string TlsReasonName(uint8_t reason) {
  switch (reason) {
    case NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR:
      return "client_offers_below_floor";
    case NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR:
      return "server_selected_below_floor";
    case NSFENCE_TLS_PLAINTEXT_ON_REQUIRE_TLS:
      return "plaintext_on_require_tls";
    case NSFENCE_TLS_SESSION_BELOW_FLOOR:
      return "session_below_floor";
    default:
      return absl::StrCat("unknown_", reason);
  }
}

}  // namespace nsfence::events
