#include "events/decode.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace nsfence::events {
namespace {

// Records may grow at their end in later ABI versions: a longer record of a
// known kind is read up to the fields this agent knows.
template <typename T>
absl::StatusOr<T> Copy(const void* data, size_t size, const nsfence_event_header& hdr, const char* what) {
  T out;
  if (size < sizeof(out) || hdr.size < sizeof(out)) {
    return absl::DataLossError(absl::StrCat(what, " record of ", size, " bytes (header says ", hdr.size,
                                            "), expected ", sizeof(out)));
  }
  std::memcpy(&out, data, sizeof(out));
  return out;
}

template <typename T>
absl::StatusOr<Record> As(const void* data, size_t size, const nsfence_event_header& hdr, const char* what) {
  absl::StatusOr<T> e = Copy<T>(data, size, hdr, what);
  if (!e.ok()) return e.status();
  return Record(*e);
}

absl::StatusOr<nsfence_event_header> Header(const void* data, size_t size) {
  nsfence_event_header hdr;
  if (size < sizeof(hdr)) return absl::DataLossError(absl::StrCat("record of ", size, " bytes has no header"));
  std::memcpy(&hdr, data, sizeof(hdr));
  return hdr;
}

}  // namespace

absl::StatusOr<Record> DecodeRecord(const void* data, size_t size) {
  absl::StatusOr<nsfence_event_header> hdr = Header(data, size);
  if (!hdr.ok()) return hdr.status();
  switch (hdr->kind) {
    case NSFENCE_EVENT_NETWORK:
      return As<nsfence_network_event>(data, size, *hdr, "network");
    case NSFENCE_EVENT_TLS:
      return As<nsfence_tls_event>(data, size, *hdr, "tls");
    case NSFENCE_EVENT_EXEC:
      return As<nsfence_exec_event>(data, size, *hdr, "exec");
    case NSFENCE_EVENT_DEVICE:
      return As<nsfence_device_event>(data, size, *hdr, "device");
    default:
      return absl::InvalidArgumentError(absl::StrCat("record kind ", hdr->kind, " is unknown"));
  }
}

absl::StatusOr<nsfence_network_event> DecodeNetworkEvent(const void* data, size_t size) {
  absl::StatusOr<nsfence_event_header> hdr = Header(data, size);
  if (!hdr.ok()) return hdr.status();
  if (hdr->kind != NSFENCE_EVENT_NETWORK) {
    return absl::InvalidArgumentError(absl::StrCat("record kind ", hdr->kind, " is not a network event"));
  }
  return Copy<nsfence_network_event>(data, size, *hdr, "network");
}

const nsfence_network_event& NetworkPart(const Record& record) {
  if (const auto* tls = std::get_if<nsfence_tls_event>(&record)) return tls->net;
  return std::get<nsfence_network_event>(record);
}

}  // namespace nsfence::events
