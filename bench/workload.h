// The kinds of load a measurement runs, one client run each: the network
// workloads always, the TLS workloads in the scenarios that measure TLS.
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
};

inline constexpr std::array<Workload, 3> kNetworkWorkloads = {
    Workload::kConnectionLoop, Workload::kTcpRequestResponse, Workload::kUdpRequestResponse};
inline constexpr std::array<Workload, 3> kTlsWorkloads = {
    Workload::kTls13Handshakes, Workload::kTls12Handshakes, Workload::kTlsBulk};

// The network workloads, then with `tls` the TLS ones.
inline std::vector<Workload> WorkloadsOf(bool tls) {
  std::vector<Workload> workloads(kNetworkWorkloads.begin(), kNetworkWorkloads.end());
  if (tls) workloads.insert(workloads.end(), kTlsWorkloads.begin(), kTlsWorkloads.end());
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
  }
  return "?";
}

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_WORKLOAD_H_
