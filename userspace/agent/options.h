// Command line of nsfence-agent.
#ifndef NSFENCE_AGENT_OPTIONS_H_
#define NSFENCE_AGENT_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nsfence::agent {

struct AgentOptions {
  std::vector<std::string> policy_paths;  // files or directories of *.yaml
  // Where namespaces, pods (and IsolationPolicy objects) come from: "file"
  // (inventory_file) or "kubernetes" (the API server's list+watch and this
  // node's kubelet cgroups).
  std::string inventory_source = "file";
  std::string inventory_file;
  // For "kubernetes": a kubeconfig (empty: the pod's service account), the
  // node this agent runs on (default: $NODE_NAME), and what a pod cgroup
  // whose API object is not known yet meets: "deny" (isolated: no traffic
  // beyond loopback, privileged execs refused) or "allow" (ungoverned).
  std::string kubeconfig;
  std::string node_name;
  std::string unknown_pods = "deny";
  // Absolute, or relative to the cgroup v2 mount. Default: the kubepods
  // cgroup of a Kubernetes node.
  std::string cgroup_root;
  std::string bpffs_dir = "/sys/fs/bpf/nsfence";
  bool keep_enforcement_on_exit = false;
  // How privileged execs are stopped: "auto" (BPF LSM where the kernel
  // allows it, else the tracepoint), "lsm" or "tracepoint".
  std::string exec_backend = "auto";
  uint32_t ringbuf_bytes = 1 << 20;
  absl::Duration report_fold_window = absl::Seconds(30);
  absl::Duration stats_interval = absl::Seconds(10);
  // Where /metrics is served (IPv4 HOST:PORT; port 0: any free port). Empty
  // (--metrics-address off): not served.
  std::string metrics_address = "127.0.0.1:9479";
  // The event pipeline (events/pipeline.h): identical violations within the
  // window print as one line and a summary; 0 turns aggregation off. Lines
  // per second and burst per namespace; rate 0 turns the limit off.
  absl::Duration aggregate_window = absl::Seconds(10);
  uint64_t rate_limit = 1000;
  uint64_t rate_burst = 2000;
  // --audit-log: the stdout event lines also appended to this file, rotated
  // when the next line would take it past audit_log_max_bytes (path.1 ..
  // path.<keep>), synced per audit_log_fsync: "never", "line" or "batch".
  // Empty: off.
  std::string audit_log;
  uint64_t audit_log_max_bytes = 104857600;
  uint32_t audit_log_keep = 5;
  std::string audit_log_fsync = "batch";
  // --admin-socket: the unix socket `nsfencectl status` asks (root only).
  // Empty (--admin-socket off): none.
  std::string admin_socket = "/run/nsfence/agent.sock";
  bool help = false;
};

// Parses argv (argv[0] skipped). Errors name the flag and what it expects.
absl::StatusOr<AgentOptions> ParseAgentArgs(const std::vector<std::string>& args);

std::string AgentUsage();

}  // namespace nsfence::agent

#endif  // NSFENCE_AGENT_OPTIONS_H_
