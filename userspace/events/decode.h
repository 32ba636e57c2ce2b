// Raw ring buffer records, checked and copied out of the kernel's layout.
#ifndef NSFENCE_EVENTS_DECODE_H_
#define NSFENCE_EVENTS_DECODE_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "nsfence/abi.h"

namespace nsfence::events {

// A network record, or an error for a record that is too short or of
// another kind (it is counted, not printed).
absl::StatusOr<nsfence_network_event> DecodeNetworkEvent(const void* data, size_t size);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_DECODE_H_
