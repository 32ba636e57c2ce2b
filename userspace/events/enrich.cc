#include "events/enrich.h"

#include <time.h>

#include <charconv>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

#include "common/capabilities.h"
#include "events/container_names.h"
#include "events/tls_names.h"
#include "google/protobuf/timestamp.pb.h"

namespace nsfence::events {
namespace {

absl::Duration ClockNow(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return absl::DurationFromTimespec(ts);
}

// IpAddress::WithPort, the same text; IPv4 without inet_ntop (whose
// sprintf is a good part of an event's cost under a flood).
std::string WithPort(const IpAddress& ip, uint16_t port) {
  if (ip.family() != IpFamily::kV4) return ip.WithPort(port);
  char text[sizeof("255.255.255.255:65535")];
  char* const end = text + sizeof(text);
  char* p = text;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, end, ip.bytes()[i]).ptr;
  }
  *p++ = ':';
  p = std::to_chars(p, end, port).ptr;
  return std::string(text, p);
}

IpFamily FamilyOf(const nsfence_network_event& e) {
  return e.family == NSFENCE_FAMILY_V4 ? IpFamily::kV4 : IpFamily::kV6;
}

// The kernel does not know a socket's own address before it is bound.
IpAddress LocalAddress(const nsfence_network_event& e, const std::optional<PodRef>& pod) {
  IpAddress local(FamilyOf(e), e.local_addr);
  if (!local.is_unspecified() || !pod) return local;
  for (const IpAddress& ip : pod->ips) {
    if (ip.family() == local.family()) return ip;
  }
  return local;
}

std::string PeerNamespace(const nsfence_network_event& e, const Directory& directory) {
  switch (e.peer_kind) {
    case NSFENCE_PEER_POD:
      return directory.NamespaceOfIdentity(e.peer_identity);
    case NSFENCE_PEER_HOST:
      return "host";
    default:
      return "world";
  }
}

void SetTime(uint64_t boot_ns, const BootClock& clock, Event* out) {
  const timespec ts = absl::ToTimespec(clock.ToTime(boot_ns));
  out->mutable_time()->set_seconds(ts.tv_sec);
  out->mutable_time()->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

std::string ActionName(uint8_t action) { return action == NSFENCE_ACTION_BLOCKED ? "blocked" : "audited"; }

template <size_t N>
std::string CString(const char (&field)[N]) {
  // The kernel truncates without a NUL when a name fills the field.
  return std::string(field, strnlen(field, N));
}

// The pod by its cgroup; a pod that left the inventory meanwhile is still
// named by its namespace.
std::optional<PodRef> SetPod(uint64_t cgroup_id, uint32_t identity, const Directory& directory, Event* out) {
  std::optional<PodRef> pod = directory.PodByCgroup(cgroup_id);
  if (pod) {
    out->set_namespace_(pod->namespace_name);
    out->set_pod(pod->name);
  } else {
    out->set_namespace_(directory.NamespaceOfIdentity(identity));
  }
  return pod;
}

// The container as the kernel named its cgroup: for an exec record whose
// cgroup the runtime removed before enrichment (a killed container's).
std::string KernelContainerName(const nsfence_exec_event& raw) {
  return raw.task_cgroup_id == raw.cgroup_id ? "" : ContainerName(CString(raw.cgroup_name));
}
std::string KernelContainerName(const nsfence_device_event& /*raw*/) { return ""; }

// What exec and device records share: no network fields, a process and its container.
template <typename Raw>
Event ContainerEvent(const Raw& raw, const char* kind, const Directory& directory, const BootClock& clock) {
  Event out;
  SetTime(raw.hdr.boot_time_ns, clock, &out);
  out.set_kind(kind);
  out.set_action(ActionName(raw.action));
  SetPod(raw.cgroup_id, raw.identity, directory, &out);
  out.set_pid(raw.pid);
  out.set_comm(CString(raw.comm));
  out.set_policy(directory.PolicyName(raw.policy));
  std::string container = directory.ContainerOfCgroup(raw.cgroup_id, raw.task_cgroup_id);
  out.set_container(container.empty() ? KernelContainerName(raw) : std::move(container));
  return out;
}

}  // namespace

BootClock BootClock::Now() { return BootClock(ClockNow(CLOCK_REALTIME) - ClockNow(CLOCK_BOOTTIME)); }

absl::Time BootClock::ToTime(uint64_t boot_ns) const {
  return absl::UnixEpoch() + offset_ + absl::Nanoseconds(boot_ns);
}

Event Enrich(const nsfence_network_event& raw, const Directory& directory, const BootClock& clock) {
  Event out;
  SetTime(raw.hdr.boot_time_ns, clock, &out);
  out.set_kind("network");
  out.set_action(ActionName(raw.action));
  const bool egress = raw.direction == NSFENCE_DIR_EGRESS;
  out.set_direction(egress ? "egress" : "ingress");

  const std::optional<PodRef> pod = SetPod(raw.cgroup_id, raw.identity, directory, &out);
  if (raw.pid != 0) {
    out.set_pid(raw.pid);
    out.set_comm(CString(raw.comm));
  }
  out.set_protocol(raw.protocol == 6 ? "tcp" : raw.protocol == 17 ? "udp" : std::to_string(raw.protocol));

  std::string local = WithPort(LocalAddress(raw, pod), raw.local_port);
  const IpAddress peer_ip(FamilyOf(raw), raw.peer_addr);
  std::string peer = WithPort(peer_ip, raw.peer_port);
  out.set_src(std::move(egress ? local : peer));
  out.set_dst(std::move(egress ? peer : local));

  out.set_peer_namespace(PeerNamespace(raw, directory));
  if (raw.peer_kind == NSFENCE_PEER_POD) {
    if (const std::optional<PodRef> peer_pod = directory.PodByIp(peer_ip)) out.set_peer_pod(peer_pod->name);
  }
  out.set_policy(directory.PolicyName(raw.policy));
  if (raw.reason == NSFENCE_NET_REASON_QUARANTINED) out.set_reason("quarantined");
  return out;
}

Event Enrich(const nsfence_tls_event& raw, const Directory& directory, const BootClock& clock) {
  Event out = Enrich(raw.net, directory, clock);
  out.set_kind("tls");
  out.set_offered_max_version(TlsVersionName(raw.offered_max_version));
  out.set_negotiated_version(TlsVersionName(raw.negotiated_version));
  out.set_sni(CString(raw.sni));
  out.set_reason(TlsReasonName(raw.reason));
  out.set_min_version(TlsFloorName(raw.floor));
  return out;
}

Event Enrich(const nsfence_exec_event& raw, const Directory& directory, const BootClock& clock) {
  Event out = ContainerEvent(raw, "privileged", directory, clock);
  for (std::string& cap : CapabilityNames(raw.offending_caps)) out.add_capabilities(std::move(cap));
  for (std::string& ns : HostNamespaceNames(raw.host_ns)) out.add_host_namespaces(std::move(ns));
  out.set_backend(ExecBackendName(raw.backend));
  out.set_filename(CString(raw.filename));
  return out;
}

Event Enrich(const nsfence_device_event& raw, const Directory& directory, const BootClock& clock) {
  Event out = ContainerEvent(raw, "device", directory, clock);
  out.set_device(DeviceName(raw.type, raw.major, raw.minor));
  out.set_access(DeviceAccessName(raw.access));
  return out;
}

Event Enrich(const Record& raw, const Directory& directory, const BootClock& clock) {
  Event out = std::visit([&](const auto& r) { return Enrich(r, directory, clock); }, raw);
  for (std::string& label : directory.LabelsNamedBy(out.namespace_(), out.policy())) {
    out.add_labels(std::move(label));
  }
  return out;
}

}  // namespace nsfence::events
