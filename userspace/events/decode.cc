#include "events/decode.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace nsfence::events {

absl::StatusOr<nsfence_network_event> DecodeNetworkEvent(const void* data, size_t size) {
  nsfence_event_header hdr;
  if (size < sizeof(hdr)) return absl::DataLossError(absl::StrCat("record of ", size, " bytes has no header"));
  std::memcpy(&hdr, data, sizeof(hdr));
  if (hdr.kind != NSFENCE_EVENT_NETWORK) {
    return absl::InvalidArgumentError(absl::StrCat("record kind ", hdr.kind, " is not a network event"));
  }
  nsfence_network_event e;
  if (size < sizeof(e) || hdr.size < sizeof(e)) {
    return absl::DataLossError(absl::StrCat("network record of ", size, " bytes, expected ", sizeof(e)));
  }
  std::memcpy(&e, data, sizeof(e));
  return e;
}

}  // namespace nsfence::events
