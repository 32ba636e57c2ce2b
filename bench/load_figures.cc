#include "load_figures.h"

namespace nsfence::bench {
namespace {

double PerSecondToNanoseconds(double per_second) { return per_second > 0 ? 1e9 / per_second : 0; }

}  // namespace

double OperationsMade(const LoadFigures& figures, Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return static_cast<double>(figures.connections_made);
    case Workload::kTcpRequestResponse:
      return static_cast<double>(figures.tcp_round_trips_made);
    case Workload::kUdpRequestResponse:
      return static_cast<double>(figures.udp_round_trips_made);
    case Workload::kTls13Handshakes:
      return static_cast<double>(figures.tls13_handshakes_made);
    case Workload::kTls12Handshakes:
      return static_cast<double>(figures.tls12_handshakes_made);
    case Workload::kTlsBulk:
      return figures.tls_bulk_mb_made;
    case Workload::kExecLoop:
      return static_cast<double>(figures.execs_made);
  }
  return 0;
}

double NanosecondsPerOperation(const LoadFigures& figures, Workload workload) {
  switch (workload) {
    case Workload::kConnectionLoop:
      return PerSecondToNanoseconds(figures.connections_per_second);
    case Workload::kTcpRequestResponse:
      return figures.tcp_rr.mean_us * 1e3;
    case Workload::kUdpRequestResponse:
      return figures.udp_rr.mean_us * 1e3;
    case Workload::kTls13Handshakes:
      return PerSecondToNanoseconds(figures.tls13_handshakes_per_second);
    case Workload::kTls12Handshakes:
      return PerSecondToNanoseconds(figures.tls12_handshakes_per_second);
    case Workload::kTlsBulk:
      return PerSecondToNanoseconds(figures.tls_bulk_mb_per_second);
    case Workload::kExecLoop:
      return PerSecondToNanoseconds(figures.execs_per_second);
  }
  return 0;
}

}  // namespace nsfence::bench
