// Runs nsfence-bench-load in the measured pods: the server once for the
// whole benchmark (the same process serves every scenario, TLS included),
// the clients anew for each measurement. The exec loop runs in the client
// pod, placed there by the load tool itself like a container's process
// (load/exec_loop.h).
#ifndef NSFENCE_BENCH_LOAD_RUNNER_H_
#define NSFENCE_BENCH_LOAD_RUNNER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "load/latency_summary.h"
#include "load_figures.h"
#include "support/testbed/background_process.h"
#include "support/testbed/pod.h"
#include "workload.h"

namespace nsfence::bench {

struct LoadSettings {
  absl::Duration measured = absl::Seconds(3);
  // Untimed load before each measurement.
  absl::Duration warmup = absl::Milliseconds(500);
  // By default every load process shares CPU 0 with the server: a request
  // or a connection then never waits for another CPU to wake up (in a VM
  // such wake-ups vary by tens of microseconds and dominate the noise), and
  // the figures are what the work costs one CPU. -1: not pinned.
  int connect_threads = 1;
  int connect_cpu = 0;
  // Also the server's CPU, and the TLS bulk client's. The TLS handshake
  // clients run on connect_cpu.
  int rr_cpu = 0;
  // Application data per TLS write (one record each) of the bulk workload.
  int tls_write_bytes = 16384;
  // The exec loop (on connect_cpu, its children too) runs this program.
  std::string exec_program = "/bin/true";
};

class LoadRunner {
 public:
  // `tls_cert_path`: where the server writes its certificate, which the
  // TLS clients trust; empty: no TLS (the TLS workloads then fail).
  LoadRunner(const testbed::Pod& client, const testbed::Pod& server, std::string load_binary,
             LoadSettings settings, std::string tls_cert_path = "");

  absl::Status StartServer();
  // The workloads, one after the other.
  absl::StatusOr<LoadFigures> Measure(const std::vector<Workload>& workloads) const;
  // One workload's client run; fills in that workload's part of `*figures`.
  absl::Status Run(Workload workload, LoadFigures* figures) const;
  // One TLS handshake from the client pod offering at most `max_version`
  // ("1.1"); the load tool's verdict line: "answered ...", "cut ..." or
  // "unconnected ..." (see load/tls_client.h).
  absl::StatusOr<std::string> TlsProbe(const std::string& max_version) const;
  // One exec of the exec program from a worker placed in the client pod like
  // the exec loop's, with the runtime default bounding set or (`privileged`)
  // every capability; the load tool's verdict line: "exited status=0",
  // "killed signal=SIGKILL" or "refused error=EPERM" (see load/exec_loop.h).
  absl::StatusOr<std::string> ExecProbe(bool privileged) const;

 private:
  using KeyValues = std::map<std::string, std::string>;
  // Runs a client command in the client pod; its key=value result line.
  absl::StatusOr<KeyValues> RunClient(const std::string& command,
                                      std::vector<std::string> extra_args, uint16_t port) const;
  // Runs the load tool on the node (not in a pod) with `args`; its
  // key=value result line.
  absl::StatusOr<KeyValues> RunOnNode(const std::string& command,
                                      const std::vector<std::string>& args) const;
  // Where the exec commands place their worker: the client pod's cgroup and
  // network namespace, with the runtime default bounding set unless
  // `privileged`.
  std::vector<std::string> ExecPlacementArgs(bool privileged) const;
  // "--cpu N" when `cpu` is not -1.
  static std::vector<std::string> CpuArgs(int cpu);
  absl::Status ConnectionLoop(LoadFigures* figures) const;
  // The measured round trips; `*made`: also those of the warm-up.
  absl::StatusOr<LatencySummary> RequestResponse(const std::string& command, int64_t* made) const;
  // Handshakes per second at `version` ("1.3"); `*made`: also those of the
  // warm-up.
  absl::StatusOr<double> TlsHandshakes(const std::string& version, int64_t* made,
                                       TlsNegotiated* negotiated) const;
  absl::Status TlsBulk(LoadFigures* figures) const;
  absl::Status ExecLoop(LoadFigures* figures) const;

  const testbed::Pod& client_;
  const testbed::Pod& server_;
  std::string load_binary_;
  LoadSettings settings_;
  std::string tls_cert_path_;
  std::optional<testbed::BackgroundProcess> server_process_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_RUNNER_H_
