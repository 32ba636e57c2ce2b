// Kernel record + what the agent knows = the event people read.
#ifndef NSFENCE_EVENTS_ENRICH_H_
#define NSFENCE_EVENTS_ENRICH_H_

#include <cstdint>

#include "absl/time/time.h"
#include "events/decode.h"
#include "events/directory.h"
#include "events/events.pb.h"
#include "nsfence/abi.h"

namespace nsfence::events {

// Wall-clock time of a bpf_ktime_get_boot_ns() stamp.
class BootClock {
 public:
  // Reads the offset between CLOCK_REALTIME and CLOCK_BOOTTIME now.
  static BootClock Now();
  explicit BootClock(absl::Duration realtime_minus_boottime) : offset_(realtime_minus_boottime) {}
  absl::Time ToTime(uint64_t boot_ns) const;

 private:
  absl::Duration offset_;
};

Event Enrich(const nsfence_network_event& raw, const Directory& directory, const BootClock& clock);
// kind "tls": the network fields plus what the handshake showed.
Event Enrich(const nsfence_tls_event& raw, const Directory& directory, const BootClock& clock);
// kind "privileged": a process whose bounding set or host namespaces the
// policy denies (stopped at exec) or audits, named with its container.
Event Enrich(const nsfence_exec_event& raw, const Directory& directory, const BootClock& clock);
// kind "device": a device node outside the safe set, opened or created.
Event Enrich(const nsfence_device_event& raw, const Directory& directory, const BootClock& clock);
Event Enrich(const Record& raw, const Directory& directory, const BootClock& clock);

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_ENRICH_H_
