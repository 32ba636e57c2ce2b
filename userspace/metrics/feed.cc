#include "metrics/feed.h"

#include <time.h>

#include <variant>

#include "loader/container_guard.h"

namespace nsfence::metrics {

absl::Duration SinceKernelStamp(uint64_t boot_time_ns) {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  const absl::Duration age = absl::DurationFromTimespec(now) - absl::Nanoseconds(boot_time_ns);
  return age > absl::ZeroDuration() ? age : absl::ZeroDuration();
}

uint64_t KernelStamp(const events::Record& record) {
  if (const auto* tls = std::get_if<nsfence_tls_event>(&record)) return tls->net.hdr.boot_time_ns;
  return std::visit(
      [](const auto& r) -> uint64_t {
        if constexpr (requires { r.hdr; }) {
          return r.hdr.boot_time_ns;
        } else {
          return 0;
        }
      },
      record);
}

void OnPrinted(Metrics& metrics, const events::Record& record, const events::Event& event) {
  metrics.OnViolation(event.kind(), event.action(), event.namespace_(), event.policy());
  metrics.ObserveLatency(SinceKernelStamp(KernelStamp(record)));
}

void SetMapOccupancy(Metrics& metrics, const loader::KernelState& state, const loader::SegmentationMaps& maps) {
  loader::ForEachMapOccupancy(state, maps, [&](const loader::MapIo& map, size_t entries) {
    metrics.SetMap(map.name(), entries, map.max_entries());
  });
}

void SetBackends(Metrics& metrics, nsfence_exec_backend exec) {
  metrics.SetBackend("exec", loader::ExecBackendName(exec));
  metrics.SetBackend("network", "cgroup");
  metrics.SetBackend("tls", "cgroup_skb");
  metrics.SetBackend("devices", "cgroup_device");
}

}  // namespace nsfence::metrics
