// The kinds of load a measurement runs, one client run each: the network
// workloads in every scenario but the exec guard's, the TLS workloads in the
// scenarios that measure TLS, the exec loop in those that measure exec.
#ifndef NSFENCE_BENCH_WORKLOAD_H_
#define NSFENCE_BENCH_WORKLOAD_H_

#include <array>
#include <vector>

namespace nsfence::bench {

enum class Workload {
  kConnectionLoop,
  kTcpRequestResponse,
  kUdpRequestResponse,
  // A new TCP connection and a full handshake each, TLS 1.3 or TLS 1.2.
  kTls13Handshakes,
  kTls12Handshakes,
  // One TLS 1.3 connection, 16 KiB writes.
  kTlsBulk,
  // fork + execve("/bin/true") + waitpid from a process placed in the
  // client pod like a container's (load/exec_loop.h).
  kExecLoop,
};

inline constexpr std::array<Workload, 3> kNetworkWorkloads = {
    Workload::kConnectionLoop, Workload::kTcpRequestResponse, Workload::kUdpRequestResponse};
inline constexpr std::array<Workload, 3> kTlsWorkloads = {
    Workload::kTls13Handshakes, Workload::kTls12Handshakes, Workload::kTlsBulk};

inline constexpr std::array<Workload, 1> kExecWorkloads = {Workload::kExecLoop};

// With `network` the network workloads, then with `tls` the TLS ones, then
// with `exec` the exec loop.
inline std::vector<Workload> WorkloadsOf(bool network, bool tls, bool exec) {
  std::vector<Workload> workloads;
  if (network) {
    workloads.insert(workloads.end(), kNetworkWorkloads.begin(), kNetworkWorkloads.end());
  }
  if (tls) workloads.insert(workloads.end(), kTlsWorkloads.begin(), kTlsWorkloads.end());
  if (exec) workloads.insert(workloads.end(), kExecWorkloads.begin(), kExecWorkloads.end());
  return workloads;
}

inline constexpr const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return "connection loop";
    case Workload::kTcpRequestResponse:
      return "TCP rr";
    case Workload::kUdpRequestResponse:
      return "UDP rr";
    case Workload::kTls13Handshakes:
      return "TLS 1.3 handshakes";
    case Workload::kTls12Handshakes:
      return "TLS 1.2 handshakes";
    case Workload::kTlsBulk:
      return "TLS bulk";
    case Workload::kExecLoop:
      return "exec loop";
  }
  return "?";
}

// What one operation of the workload is. Bulk counts megabytes (10^6
// bytes) of application data.
inline constexpr const char* OperationName(Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return "connection";
    case Workload::kTcpRequestResponse:
    case Workload::kUdpRequestResponse:
      return "round trip";
    case Workload::kTls13Handshakes:
    case Workload::kTls12Handshakes:
      return "handshake";
    case Workload::kTlsBulk:
      return "MB";
    case Workload::kExecLoop:
      return "exec";
  }
  return "?";
}

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_WORKLOAD_H_
