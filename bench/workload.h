// The three kinds of load every measurement runs, one client run each.
#ifndef NSFENCE_BENCH_WORKLOAD_H_
#define NSFENCE_BENCH_WORKLOAD_H_

#include <array>

namespace nsfence::bench {

enum class Workload { kConnectionLoop, kTcpRequestResponse, kUdpRequestResponse };

inline constexpr std::array<Workload, 3> kWorkloads = {
    Workload::kConnectionLoop, Workload::kTcpRequestResponse, Workload::kUdpRequestResponse};

inline constexpr const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return "connection loop";
    case Workload::kTcpRequestResponse:
      return "TCP rr";
    case Workload::kUdpRequestResponse:
      return "UDP rr";
  }
  return "?";
}

// What one operation of the workload is.
inline constexpr const char* OperationName(Workload workload) {
  return workload == Workload::kConnectionLoop ? "connection" : "round trip";
}

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_WORKLOAD_H_
