// What the agent's objects say, turned into metrics: the conversions live
// here so the agent only calls them.
#ifndef NSFENCE_METRICS_FEED_H_
#define NSFENCE_METRICS_FEED_H_

#include <cstdint>

#include "absl/time/time.h"
#include "events/decode.h"
#include "events/events.pb.h"
#include "loader/kernel_state.h"
#include "loader/segmentation_maps.h"
#include "metrics/metrics.h"
#include "nsfence/abi.h"

namespace nsfence::metrics {

// CLOCK_BOOTTIME now minus a bpf_ktime_get_boot_ns() stamp (0 if ahead).
absl::Duration SinceKernelStamp(uint64_t boot_time_ns);
// The kernel's stamp of a record.
uint64_t KernelStamp(const events::Record& record);

// A violation just printed: counted by the event's kind, action, namespace
// and policy; the time since the kernel stamped the record observed.
void OnPrinted(Metrics& metrics, const events::Record& record, const events::Event& event);

// Entries the agent keeps in each policy map (nsf_endpoints, nsf_identities,
// nsf_pod_addrs, nsf_peers, nsf_rules, nsf_rule_ranges) and their capacity.
void SetMapOccupancy(Metrics& metrics, const loader::KernelState& state, const loader::SegmentationMaps& maps);

// The kernel mechanism of each capability: exec lsm|tracepoint, network
// cgroup (cgroup/connect, sendmsg, cgroup_skb/ingress), tls cgroup_skb,
// devices cgroup_device.
void SetBackends(Metrics& metrics, nsfence_exec_backend exec);

}  // namespace nsfence::metrics

#endif  // NSFENCE_METRICS_FEED_H_
