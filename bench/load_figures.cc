#include "load_figures.h"

namespace nsfence::bench {

int64_t OperationsMade(const LoadFigures& figures, Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return figures.connections_made;
    case Workload::kTcpRequestResponse:
      return figures.tcp_round_trips_made;
    case Workload::kUdpRequestResponse:
      return figures.udp_round_trips_made;
  }
  return 0;
}

double NanosecondsPerOperation(const LoadFigures& figures, Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return figures.connections_per_second > 0 ? 1e9 / figures.connections_per_second : 0;
    case Workload::kTcpRequestResponse:
      return figures.tcp_rr.mean_us * 1e3;
    case Workload::kUdpRequestResponse:
      return figures.udp_rr.mean_us * 1e3;
  }
  return 0;
}

}  // namespace nsfence::bench
