// Raw ring buffer records, checked and copied out of the kernel's layout.
#ifndef NSFENCE_EVENTS_DECODE_H_
#define NSFENCE_EVENTS_DECODE_H_

#include <cstddef>
#include <variant>

#include "absl/status/statusor.h"
#include "nsfence/abi.h"

namespace nsfence::events {

// One ring buffer record, by its header's kind. A TLS event carries the
// network fields too (nsfence_tls_event.net); exec and device events have none.
using Record = std::variant<nsfence_network_event, nsfence_tls_event, nsfence_exec_event, nsfence_device_event>;

// A record of a known kind, or an error for a record that is too short or of
// a kind this agent does not know (it is counted, not printed).
absl::StatusOr<Record> DecodeRecord(const void* data, size_t size);

// A network record only; any other kind is an error.
absl::StatusOr<nsfence_network_event> DecodeNetworkEvent(const void* data, size_t size);

// The network fields of a network or TLS record. Only for those: a record of
// another kind throws std::bad_variant_access.
const nsfence_network_event& NetworkPart(const Record& record);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_DECODE_H_
