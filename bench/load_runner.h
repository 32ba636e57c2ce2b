// Runs nsfence-bench-load in the measured pods: the server once for the
// whole benchmark (the same process serves every scenario), the clients
// anew for each measurement.
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
  // Also the server's CPU.
  int rr_cpu = 0;
};

class LoadRunner {
 public:
  LoadRunner(const testbed::Pod& client, const testbed::Pod& server, std::string load_binary,
             LoadSettings settings);

  absl::Status StartServer();
  // Connection rate, then TCP and UDP request/response, one after the other.
  absl::StatusOr<LoadFigures> Measure() const;
  // One workload's client run; fills in that workload's part of `*figures`.
  absl::Status Run(Workload workload, LoadFigures* figures) const;

 private:
  using KeyValues = std::map<std::string, std::string>;
  // Runs a client command in the client pod; its key=value result line.
  absl::StatusOr<KeyValues> RunClient(const std::string& command,
                                      std::vector<std::string> extra_args, uint16_t port) const;
  // "--cpu N" when `cpu` is not -1.
  static std::vector<std::string> CpuArgs(int cpu);
  absl::Status ConnectionLoop(LoadFigures* figures) const;
  // The measured round trips; `*made`: also those of the warm-up.
  absl::StatusOr<LatencySummary> RequestResponse(const std::string& command, int64_t* made) const;

  const testbed::Pod& client_;
  const testbed::Pod& server_;
  std::string load_binary_;
  LoadSettings settings_;
  std::optional<testbed::BackgroundProcess> server_process_;
};

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_RUNNER_H_
