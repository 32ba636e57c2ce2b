#include "agent/options.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "events/audit_log.h"
#include "metrics/metrics.h"

namespace nsfence::agent {
namespace {

// "--flag=value" or "--flag value".
class ArgCursor {
 public:
  explicit ArgCursor(const std::vector<std::string>& args) : args_(args) {}

  bool Done() const { return i_ >= args_.size(); }
  // Splits the current argument into flag and inline value; advances.
  std::string Next(std::string* inline_value, bool* has_inline) {
    std::string arg = args_[i_++];
    const size_t eq = arg.find('=');
    *has_inline = absl::StartsWith(arg, "--") && eq != std::string::npos;
    if (*has_inline) {
      *inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    return arg;
  }
  absl::StatusOr<std::string> Value(const std::string& flag, bool has_inline,
                                    const std::string& inline_value) {
    if (has_inline) return inline_value;
    if (Done()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
    return args_[i_++];
  }

 private:
  const std::vector<std::string>& args_;
  size_t i_ = 0;
};

absl::StatusOr<absl::Duration> ParseSeconds(const std::string& flag, const std::string& text) {
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(text, &seconds) || seconds < 1) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " expects a whole number of seconds >= 1, got \"", text, "\""));
  }
  return absl::Seconds(seconds);
}

}  // namespace

std::string AgentUsage() {
  return R"(usage: nsfence-agent --policy PATH [--policy PATH...] --inventory FILE [options]
       nsfence-agent --inventory-source kubernetes [--policy PATH...] [options]

Enforces nsfence isolation policies on this node and prints violations as JSON
lines on stdout. Logs go to stderr.

  --policy PATH                 policy file, or directory of *.yaml/*.yml (repeatable)
  --inventory FILE              namespaces and pods (reloaded when it changes)
  --inventory-source file|kubernetes
                                file: --inventory FILE (default); kubernetes: list+watch
                                namespaces, pods and IsolationPolicy objects from the API
                                server, pod cgroups from this node's kubelet tree
  --kubeconfig FILE             with kubernetes: the API server and credentials of FILE
                                (default: the pod's service account, in-cluster)
  --node-name NAME              with kubernetes: this node (default: $NODE_NAME)
  --unknown-pods deny|allow     with kubernetes: a pod cgroup whose API object is not
                                known yet is isolated (deny: loopback only, privileged
                                execs refused) or left ungoverned (allow) (default deny)
  --cgroup-root DIR             cgroup v2 directory to enforce below, absolute or
                                relative to the cgroup v2 mount (default: kubepods.slice
                                or kubepods, whichever exists)
  --bpffs DIR                   where maps and links are pinned (default /sys/fs/bpf/nsfence)
  --keep-enforcement-on-exit    leave programs attached on SIGTERM/SIGINT (for upgrades)
  --exec-backend auto|lsm|tracepoint
                                how privileged execs are stopped: BPF LSM (EPERM) or
                                the sched_process_exec tracepoint (SIGKILL); auto
                                picks LSM where the kernel allows it (default auto)
  --ringbuf-bytes N             violation ring buffer size, a power of two (default 1048576)
  --report-fold-seconds N       repeats of one flow within N s are reported once (default 30)
  --stats-seconds N             how often kernel counters are checked (default 10)
  --aggregate-seconds N         identical violations within N s print as the first one
                                and one summary with "count" (default 10; 0: off)
  --rate-limit N                lines per second per namespace, more are counted in
                                "suppressed" lines (default 1000; 0: no limit)
  --rate-burst N                lines a namespace may print at once (default 2000)
  --metrics-address HOST:PORT   serve Prometheus metrics on http://HOST:PORT/metrics, an
                                IPv4 address (default 127.0.0.1:9479; port 0: any free
                                port, logged); "off" serves none
  --audit-log FILE              also append every event line to FILE (created 0600;
                                default: off)
  --audit-log-max-bytes N       rotate FILE when the next line would take it past N
                                bytes, to FILE.1 .. FILE.<keep> (default 104857600)
  --audit-log-keep N            rotated files kept, the oldest dropped (default 5)
  --audit-log-fsync never|line|batch
                                when FILE is synced to disk: never (the page cache
                                decides), after every line, or after every batch of
                                lines printed (default batch)
  --admin-socket PATH           unix socket (0600, root only) that nsfencectl status
                                asks (default /run/nsfence/agent.sock); "off": none
  --help                        this text

Signals: SIGHUP reloads policy and inventory (so do file changes); SIGTERM and
SIGINT detach (unless --keep-enforcement-on-exit) and exit.
)";
}

absl::StatusOr<AgentOptions> ParseAgentArgs(const std::vector<std::string>& args) {
  AgentOptions o;
  ArgCursor cursor(args);
  while (!cursor.Done()) {
    std::string inline_value;
    bool has_inline = false;
    const std::string flag = cursor.Next(&inline_value, &has_inline);
    auto value = [&]() { return cursor.Value(flag, has_inline, inline_value); };
    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--keep-enforcement-on-exit") {
      o.keep_enforcement_on_exit = true;
    } else if (flag == "--policy") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      o.policy_paths.push_back(*v);
    } else if (flag == "--inventory" || flag == "--cgroup-root" || flag == "--bpffs" || flag == "--kubeconfig" ||
               flag == "--node-name") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      (flag == "--inventory"     ? o.inventory_file
       : flag == "--cgroup-root" ? o.cgroup_root
       : flag == "--kubeconfig"  ? o.kubeconfig
       : flag == "--node-name"   ? o.node_name
                                 : o.bpffs_dir) = *v;
    } else if (flag == "--inventory-source" || flag == "--unknown-pods") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      const bool source = flag == "--inventory-source";
      if (source ? *v != "file" && *v != "kubernetes" : *v != "deny" && *v != "allow") {
        return absl::InvalidArgumentError(absl::StrCat(flag, " expects ", source ? "file or kubernetes" : "deny or allow",
                                                       ", got \"", *v, "\""));
      }
      (source ? o.inventory_source : o.unknown_pods) = *v;
    } else if (flag == "--exec-backend") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (*v != "auto" && *v != "lsm" && *v != "tracepoint") {
        return absl::InvalidArgumentError(
            absl::StrCat("--exec-backend expects auto, lsm or tracepoint, got \"", *v, "\""));
      }
      o.exec_backend = *v;
    } else if (flag == "--ringbuf-bytes") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      uint32_t n = 0;
      if (!absl::SimpleAtoi(*v, &n) || n < 4096 || (n & (n - 1)) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--ringbuf-bytes expects a power of two >= 4096, got \"", *v, "\""));
      }
      o.ringbuf_bytes = n;
    } else if (flag == "--report-fold-seconds" || flag == "--stats-seconds") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      absl::StatusOr<absl::Duration> d = ParseSeconds(flag, *v);
      if (!d.ok()) return d.status();
      (flag == "--stats-seconds" ? o.stats_interval : o.report_fold_window) = *d;
    } else if (flag == "--aggregate-seconds" || flag == "--rate-limit" || flag == "--rate-burst") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      uint64_t n = 0;
      if (!absl::SimpleAtoi(*v, &n) || (flag == "--rate-burst" && n == 0)) {
        return absl::InvalidArgumentError(absl::StrCat(flag, " expects a whole number",
                                                       flag == "--rate-burst" ? " >= 1" : " (0: off)", ", got \"", *v,
                                                       "\""));
      }
      if (flag == "--aggregate-seconds") {
        o.aggregate_window = absl::Seconds(static_cast<int64_t>(n));
      } else {
        (flag == "--rate-limit" ? o.rate_limit : o.rate_burst) = n;
      }
    } else if (flag == "--audit-log") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (v->empty()) return absl::InvalidArgumentError("--audit-log expects a file path");
      o.audit_log = *v;
    } else if (flag == "--audit-log-max-bytes" || flag == "--audit-log-keep") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      uint64_t n = 0;
      const bool is_max = flag == "--audit-log-max-bytes";
      if (!absl::SimpleAtoi(*v, &n) || (is_max && n < 4096) || (!is_max && n > 1000)) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag, is_max ? " expects a whole number of bytes >= 4096" : " expects a whole number from 0 to 1000",
            ", got \"", *v, "\""));
      }
      if (is_max) {
        o.audit_log_max_bytes = n;
      } else {
        o.audit_log_keep = static_cast<uint32_t>(n);
      }
    } else if (flag == "--audit-log-fsync") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (absl::StatusOr<events::AuditFsync> f = events::ParseAuditFsync(*v); !f.ok()) return f.status();
      o.audit_log_fsync = *v;
    } else if (flag == "--metrics-address") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (*v != "off") {
        if (absl::StatusOr<metrics::ListenAddress> a = metrics::ParseListenAddress(*v); !a.ok()) return a.status();
      }
      o.metrics_address = *v == "off" ? "" : *v;
    } else if (flag == "--admin-socket") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (*v != "off" && (v->empty() || (*v)[0] != '/' || v->size() > 107)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--admin-socket expects an absolute path of at most 107 bytes, or \"off\", got \"", *v, "\""));
      }
      o.admin_socket = *v == "off" ? "" : *v;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument \"", flag, "\" (see --help)"));
    }
  }
  if (o.help) return o;
  if (o.inventory_source == "file") {
    if (o.policy_paths.empty()) return absl::InvalidArgumentError("--policy is required (see --help)");
    if (o.inventory_file.empty()) return absl::InvalidArgumentError("--inventory is required (see --help)");
    if (!o.kubeconfig.empty() || !o.node_name.empty()) {
      return absl::InvalidArgumentError("--kubeconfig and --node-name need --inventory-source kubernetes");
    }
  } else {
    if (!o.inventory_file.empty()) {
      return absl::InvalidArgumentError(
          "--inventory is for --inventory-source file; with kubernetes the API server is the inventory");
    }
    if (o.node_name.empty()) {
      const char* env = std::getenv("NODE_NAME");
      if (env == nullptr || *env == '\0') {
        return absl::InvalidArgumentError(
            "--inventory-source kubernetes needs this node's name: --node-name NAME or $NODE_NAME "
            "(in a DaemonSet, from the downward API's spec.nodeName)");
      }
      o.node_name = env;
    }
  }
  if (o.bpffs_dir.empty() || o.bpffs_dir[0] != '/') {
    return absl::InvalidArgumentError("--bpffs expects an absolute directory");
  }
  return o;
}

}  // namespace nsfence::agent
