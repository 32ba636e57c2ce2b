#include "agent/agent.h"

#include <malloc.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/ip.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "events/json.h"
#include "inventory/cgroup_scan.h"
#include "inventory/file_source.h"
#include "kube/config.h"
#include "kube/kubeconfig.h"
#include "loader/features.h"
#include "loader/host_namespaces.h"
#include "metrics/feed.h"

#ifndef NSFENCE_VERSION
#define NSFENCE_VERSION "dev"
#endif

namespace nsfence::agent {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The kubepods cgroup of a Kubernetes node (systemd or cgroupfs driver).
absl::StatusOr<std::string> CgroupRoot(const std::string& mount, const std::string& flag) {
  if (!flag.empty()) {
    const std::string dir = cgroup::Resolve(mount, flag);
    if (!IsDirectory(dir)) {
      return absl::NotFoundError(absl::StrCat("--cgroup-root ", dir, " is not a directory"));
    }
    if (dir == cgroup::Resolve("/", mount)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cgroup-root ", dir, " is the root cgroup: it holds every process of this machine; "
          "give the cgroup that holds the pods (e.g. kubepods.slice)"));
    }
    return dir;
  }
  for (const char* name : {"kubepods.slice", "kubepods"}) {
    const std::string dir = cgroup::Resolve(mount, name);
    if (IsDirectory(dir)) return dir;
  }
  return absl::NotFoundError(absl::StrCat("no kubepods.slice or kubepods cgroup under ", mount,
                                          "; pass --cgroup-root with the cgroup that holds the pods"));
}

void LogDiagnostics(const Diagnostics& errors) {
  for (const Diagnostic& d : errors) log::Error(d.ToString());
}

sigset_t StopAndReloadSignals() {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  return mask;
}

absl::StatusOr<int> MakeSignalFd() {
  sigset_t mask = StopAndReloadSignals();
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return ErrnoStatus(errno, "blocking signals");
  const int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "signalfd");
  return fd;
}

absl::StatusOr<int> MakeTimerFd(absl::Duration first, absl::Duration interval) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "timerfd_create");
  itimerspec spec{.it_interval = absl::ToTimespec(interval), .it_value = absl::ToTimespec(first)};
  timerfd_settime(fd, 0, &spec, nullptr);
  return fd;
}

void ArmOnce(int timer_fd, absl::Duration after) {
  itimerspec spec{.it_interval = {}, .it_value = absl::ToTimespec(after)};
  timerfd_settime(timer_fd, 0, &spec, nullptr);
}

void ReadAll(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

// Editors write a file in several steps; reload once they are done.
constexpr absl::Duration kReloadSettle = absl::Milliseconds(100);
// How long a start waits for the API server's first LISTs. Longer, and a
// DaemonSet rollout stalls; the pinned state of an earlier agent enforces
// meanwhile (--keep-enforcement-on-exit).
constexpr absl::Duration kApiReadyTimeout = absl::Minutes(2);
constexpr absl::Duration kPipelineSlack = absl::Milliseconds(50);
// Reload()'s reason when a push source (the API, cgroups) spoke.
constexpr char kInventoryChanged[] = "inventory changed";

}  // namespace

Agent::Agent(AgentOptions options)
    : options_(std::move(options)),
      policies_(options_.policy_paths),
      clock_(events::BootClock::Now()),
      pipeline_({.aggregation_window = options_.aggregate_window,
                 .rate = options_.rate_limit,
                 .burst = options_.rate_burst}) {}

Agent::~Agent() {
  if (pipeline_timer_fd_ >= 0) close(pipeline_timer_fd_);
}

int Agent::Run() {
  if (absl::Status s = Start(); !s.ok()) {
    log::Error("not started: ", s.message());
    UndoFailedStart();
    return 1;
  }
  absl::Status loop = Loop();
  if (!loop.ok()) log::Error(loop.message());
  absl::Status stop = Stop();
  if (!stop.ok()) log::Error("stopping: ", stop.message());
  return loop.ok() && stop.ok() ? 0 : 1;
}

void Agent::UndoFailedStart() {
  admin_.reset();
  // Pins an earlier agent left keep enforcing: they are its, not ours to remove.
  if (!datapath_ || datapath_->adopted_maps()) return;
  if (guard_) (void)guard_->DetachAndUnpin();
  if (absl::Status s = datapath_->DetachAndUnpin(); !s.ok()) log::Warn("cleaning up: ", s.message());
}

absl::Status Agent::Start() {
  // A closed stdout is an error to count and log, not a reason to die with
  // the programs attached (the metrics server ignores SIGPIPE anyway).
  signal(SIGPIPE, SIG_IGN);
  // Lines reach stdout in 64 KiB writes (and at every FlushOutput), not 4 KiB ones.
  static char stdout_buffer[1 << 16];
  setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
  // A SIGTERM during start waits for the loop, which stops cleanly, instead
  // of killing the agent with its programs attached.
  const sigset_t signals = StopAndReloadSignals();
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return ErrnoStatus(errno, "blocking signals");
  // Inputs first: a bad file at start touches nothing in the kernel.
  policy::PolicyStore::ReloadResult loaded = policies_.Reload();
  if (!loaded.errors.empty()) {
    LogDiagnostics(loaded.errors);
    return absl::InvalidArgumentError("policy files have errors (see above); fix them and start again");
  }
  // Not the kernel yet: where the pods' cgroups are, to watch them.
  NSF_ASSIGN_OR_RETURN(cgroup_mount_, cgroup::FindV2Mount());
  NSF_ASSIGN_OR_RETURN(cgroup_root_, CgroupRoot(cgroup_mount_, options_.cgroup_root));
  NSF_RETURN_IF_ERROR(OpenInventorySource());
  absl::StatusOr<inventory::Inventory> inventory = inventory_source_->Load();
  if (!inventory.ok()) {
    log::Error(inventory.status().message());
    return absl::InvalidArgumentError(absl::StrCat(inventory_source_->Describe(), " has errors (see above)"));
  }
  inventory_ = *std::move(inventory);
  ReportSourceState();
  MergePolicies();
  // Before the kernel too: an address in use is an error that touches nothing.
  if (!options_.metrics_address.empty()) {
    NSF_RETURN_IF_ERROR(metrics_.Serve(options_.metrics_address));
    log::Info("metrics on http://", metrics_.serving(), "/metrics");
  }
  // Before the kernel too: another agent on the socket touches nothing.
  if (!options_.admin_socket.empty()) {
    NSF_ASSIGN_OR_RETURN(admin_, AdminSocket::Open(options_.admin_socket,
                                                   {.status = [this] { return CurrentStatus(); },
                                                    .release = [this](absl::string_view pod) {
                                                      return ReleasePod(pod);
                                                    }}));
    log::Info("admin socket ", options_.admin_socket, " (nsfencectl status --socket ", options_.admin_socket, ")");
  }
  // Before the kernel too: an unwritable audit log touches nothing.
  if (!options_.audit_log.empty()) {
    NSF_ASSIGN_OR_RETURN(const events::AuditFsync fsync, events::ParseAuditFsync(options_.audit_log_fsync));
    NSF_ASSIGN_OR_RETURN(audit_log_, events::AuditLog::Open({
                                         .path = options_.audit_log,
                                         .max_bytes = options_.audit_log_max_bytes,
                                         .keep = options_.audit_log_keep,
                                         .fsync = fsync,
                                     }));
    log::Info("audit log ", options_.audit_log, " (", audit_log_->file_bytes(), " bytes there; rotated past ",
              options_.audit_log_max_bytes, " bytes, ", options_.audit_log_keep, " kept; fsync ",
              options_.audit_log_fsync, ")");
  }

  NSF_RETURN_IF_ERROR(loader::RequireAll(loader::ProbeDatapathFeatures()));
  NSF_ASSIGN_OR_RETURN(const int level, cgroup::Level(cgroup_mount_, cgroup_root_));

  NSF_ASSIGN_OR_RETURN(datapath_, loader::NetworkDatapath::Load({
                                      .bpffs_dir = options_.bpffs_dir,
                                      .cgroup_root = cgroup_root_,
                                      .cgroup_root_level = level,
                                      .report_fold_window = options_.report_fold_window,
                                      .ringbuf_bytes = options_.ringbuf_bytes,
                                  }));
  // Before anything attaches: a refused exec backend leaves the node as it was.
  NSF_RETURN_IF_ERROR(LoadContainerGuard(level));
  const std::string mount = cgroup_mount_;
  enforcer_ = std::make_unique<loader::Enforcer>(
      datapath_->maps(), datapath_->registry(),
      [mount](const std::string& path) { return cgroup::Id(cgroup::Resolve(mount, path)); });
  // Sockets that had no TLS floor look at their pod's policy again after a change.
  enforcer_->set_on_change([datapath = datapath_.get()](const loader::KernelState& now) {
    return datapath->PublishTlsPolicy(loader::AnyTlsFloor(now));
  });
  // Drops start before the count says a pod is quarantined, end after.
  enforcer_->set_on_quarantine_change([this](size_t quarantined) {
    metrics_.SetQuarantinedPods(quarantined);
    return datapath_->PublishQuarantine(static_cast<uint32_t>(quarantined));
  });
  responder_ = std::make_unique<Responder>(enforcer_.get(), &metrics_,
                                           [this](events::Event event) {
                                             ++responses_printed_;
                                             Emit({std::move(event)});
                                           });
  tls_drain_ = std::make_unique<BlockedTlsDrain>(datapath_->tls_blocked(), EndInPodNetns);
  NSF_RETURN_IF_ERROR(enforcer_->Adopt());
  if (datapath_->adopted_maps()) {
    log::Info("adopting pinned state under ", options_.bpffs_dir, ": ",
              enforcer_->state().identities.size(), " governed identities, ",
              enforcer_->state().endpoints.size(), " pods, ", enforcer_->registry().size(), " ids");
  }
  // Maps hold the policy before any new program runs on them.
  NSF_RETURN_IF_ERROR(EnforceNow());
  metrics_.OnReload(true, generation_, absl::Now());
  NSF_RETURN_IF_ERROR(datapath_->Attach());
  // Quarantines an earlier agent left go on (Adopt read them from the endpoints).
  NSF_RETURN_IF_ERROR(datapath_->PublishQuarantine(static_cast<uint32_t>(enforcer_->quarantined().size())));
  metrics_.SetQuarantinedPods(enforcer_->quarantined().size());
  if (!enforcer_->quarantined().empty()) {
    log::Warn(enforcer_->quarantined().size(), " pods stay quarantined from before this start (nsfencectl status)");
  }
  NSF_RETURN_IF_ERROR(guard_->Attach());
  program_sizes_ = datapath_->ProgramSizes();
  for (auto& size : guard_->ProgramSizes()) program_sizes_.push_back(std::move(size));
  for (const auto& [name, insns] : program_sizes_) log::Info("program ", name, ": ", insns, " instructions verified");
  NSF_ASSIGN_OR_RETURN(reader_, events::RingbufReader::Open(
                                    datapath_->events_fd(),
                                    [this](const events::Record& r) { OnRecord(r); }));
  NSF_ASSIGN_OR_RETURN(FileWatcher watcher, FileWatcher::Create());
  watcher_.emplace(std::move(watcher));
  NSF_RETURN_IF_ERROR(WatchInputs());
  NSF_ASSIGN_OR_RETURN(last_counters_, datapath_->ReadCounters());
  metrics_.SetKernelCounters(last_counters_);
  metrics::SetBackends(metrics_, guard_->backend());
  if (absl::StatusOr<std::unique_ptr<metrics::RingbufUsage>> usage = metrics::RingbufUsage::Open(datapath_->events_fd());
      usage.ok()) {
    ringbuf_usage_ = *std::move(usage);
  } else {
    log::Warn("nsfence_ringbuf_used_bytes stays 0: ", usage.status().message());
  }
  SampleMetrics();

  log::Info("ready: enforcing ", policies_in_force_.size(), " policies on ", cgroup_root_,
            " (generation ", generation_, ", ", datapath_->adopted_links() + guard_->adopted_links(), " of ",
            datapath_->attached_links() + guard_->attached_links(), " links adopted, pins under ", options_.bpffs_dir, ")");
  return absl::OkStatus();
}

absl::Status Agent::LoadContainerGuard(int cgroup_root_level) {
  NSF_ASSIGN_OR_RETURN(loader::HostNamespaces host, loader::ReadHostNamespaces());
  if (host.source != "/proc/1/ns") log::Warn("node namespaces read from ", host.source);
  const loader::ExecBackendChoice choice = options_.exec_backend == "lsm"          ? loader::ExecBackendChoice::kLsm
                                           : options_.exec_backend == "tracepoint" ? loader::ExecBackendChoice::kTracepoint
                                                                                   : loader::ExecBackendChoice::kAuto;
  NSF_ASSIGN_OR_RETURN(guard_, loader::ContainerGuard::Load({
                                   .bpffs_dir = options_.bpffs_dir,
                                   .cgroup_root = cgroup_root_,
                                   .cgroup_root_level = cgroup_root_level,
                                   .backend = choice,
                                   .host = std::move(host),
                                   .report_fold_window = options_.report_fold_window,
                                   .ringbuf_bytes = datapath_->ringbuf_bytes(),
                               }));
  const char* backend = loader::ExecBackendName(guard_->backend());
  if (guard_->lsm_unavailable().empty()) {
    log::Info("exec guard backend: ", backend, " (privileged execs fail with EPERM)");
  } else {
    log::Info("exec guard backend: ", backend, " (privileged execs are killed with SIGKILL before they run; "
              "BPF LSM not used: ", guard_->lsm_unavailable(), ")");
  }
  return absl::OkStatus();
}

absl::Status Agent::EnforceNow() {
  NSF_ASSIGN_OR_RETURN(loader::EnforceReport report,
                       enforcer_->Enforce(policies_in_force_, inventory_));
  directory_ = std::make_unique<InventoryDirectory>(inventory_, report.cgroup_ids, cgroup_mount_,
                                                    std::move(report.policy_names), &enforcer_->registry());
  directory_->SetPolicies(policies_in_force_);
  pod_dirs_ = PodCgroupDirs(report.cgroup_ids, cgroup_mount_);
  responder_->Update(policies_in_force_, inventory_, report.cgroup_ids, pod_dirs_);
  ++generation_;
  governed_namespaces_ = report.governed_namespaces;
  unresolved_cgroups_ = std::move(report.unresolved_cgroups);
  for (const std::string& w : report.warnings) log::Warn(w);
  SampleMetrics();  // map occupancy as of this apply
  live_namespaces_.clear();
  for (const inventory::Namespace& ns : inventory_.namespaces) live_namespaces_.insert(ns.name);
  metrics_.RetainNamespaces(live_namespaces_, absl::Now());
  // Parsing and compiling a large policy set frees much more heap than it
  // keeps; hand it back instead of holding it until the next reload. Not
  // for a watched cluster's many small changes: the stats timer does it then.
  if (kube_source_ == nullptr) malloc_trim(0);
  log::Info("policy applied: generation=", generation_, " policies=", policies_in_force_.size(),
            " governed_namespaces=", report.governed_namespaces, " rulesets=", report.rulesets,
            " map_writes=", report.stats.writes, " map_deletes=", report.stats.deletes);
  return absl::OkStatus();
}

absl::Status Agent::OpenInventorySource() {
  if (options_.inventory_source == "file") {
    inventory_source_ = std::make_unique<inventory::FileInventorySource>(options_.inventory_file);
    return absl::OkStatus();
  }
  absl::StatusOr<kube::ClusterConfig> cluster =
      options_.kubeconfig.empty() ? kube::InClusterConfig() : kube::KubeconfigConfig(options_.kubeconfig);
  if (!cluster.ok()) {
    return absl::Status(cluster.status().code(),
                        absl::StrCat(options_.kubeconfig.empty() ? "in-cluster config" : "--kubeconfig", ": ",
                                     cluster.status().message()));
  }
  // The kubelet's pod cgroups are found by name below the kubepods root.
  const size_t slash = cgroup_root_.rfind('/');
  const std::string parent = slash == 0 ? "/" : cgroup_root_.substr(0, slash);
  const std::string root = cgroup_root_.substr(slash + 1);
  if (absl::Status s = inventory::CheckKubepodsRoot(root); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--inventory-source kubernetes finds pods by the kubelet's cgroup "
                                                   "names: --cgroup-root must be its kubepods.slice or kubepods "
                                                   "cgroup, got ",
                                                   cgroup_root_));
  }
  NSF_ASSIGN_OR_RETURN(std::unique_ptr<kube::KubeInventorySource> source,
                       kube::KubeInventorySource::Start({.cluster = *std::move(cluster),
                                                         .node_name = options_.node_name,
                                                         .cgroup_parent = parent,
                                                         .kubepods_root = root,
                                                         .deny_unknown_pods = options_.unknown_pods == "deny"}));
  log::Info("inventory: ", source->Describe(), "; pods without a known Pod object: ",
            options_.unknown_pods == "deny" ? "isolated (--unknown-pods deny)" : "ungoverned (--unknown-pods allow)");
  // An inventory read before every cache is listed would lack pods, and
  // applying it would lift their enforcement.
  NSF_RETURN_IF_ERROR(source->WaitReady(kApiReadyTimeout));
  kube_source_ = source.get();
  inventory_source_ = std::move(source);
  ReserveFilePolicyNames();
  return absl::OkStatus();
}

void Agent::ReserveFilePolicyNames() {
  std::set<std::string> names;
  for (const policy::Policy& p : policies_.policies()) names.insert(p.name);
  kube_source_->SetReservedPolicyNames(std::move(names));
}

void Agent::MergePolicies() {
  policies_in_force_ = policies_.policies();
  if (kube_source_ == nullptr) return;
  for (const policy::Policy& p : kube_source_->policies()) policies_in_force_.push_back(p);
  std::sort(policies_in_force_.begin(), policies_in_force_.end(),
            [](const policy::Policy& a, const policy::Policy& b) { return a.name < b.name; });
}

void Agent::ReportSourceState() {
  if (kube_source_ == nullptr) return;
  for (const Diagnostic& d : kube_source_->new_problems()) log::Error(d.ToString());
  for (const kube::KubeInventorySource::CacheState& cache : kube_source_->caches()) {
    metrics_.SetKubeCache(cache.resource, cache.synced, cache.failures);
  }
  metrics_.SetInvalidObjects("isolationpolicies", kube_source_->invalid_policy_objects());
  const size_t unknown = kube_source_->unknown_pods();
  metrics_.SetPendingPods(unknown);
  // Under churn pods are unknown for a millisecond each, many times a
  // second: say so at most once a minute (nsfence_pending_pods has it all).
  const absl::Time now = absl::Now();
  if (unknown > 0 && unknown != unknown_pods_logged_ && now - unknown_pods_logged_at_ >= absl::Minutes(1)) {
    log::Warn(unknown, " pod cgroups have no known Pod object yet: ",
              options_.unknown_pods == "deny" ? "isolated until it arrives (policy nsfence:unknown-pods)"
                                              : "ungoverned (--unknown-pods allow)",
              " (nsfence_pending_pods)");
    unknown_pods_logged_at_ = now;
  }
  unknown_pods_logged_ = unknown;
}

absl::Status Agent::WatchInputs() {
  std::vector<std::string> files = policies_.WatchedFiles();
  for (const std::string& f : inventory_source_->WatchedFiles()) files.push_back(f);
  return watcher_->Watch(files);
}

void Agent::Reload(const std::string& why) {
  policy::PolicyStore::ReloadResult result = policies_.Reload();
  bool ok = result.errors.empty();
  if (!result.errors.empty()) {
    LogDiagnostics(result.errors);
    log::Error("policy rejected: ", absl::StrJoin(result.rejected_files, ", "),
               " keep their last good content; generation ", generation_, " stays in force");
  }
  bool changed = result.changed;
  if (kube_source_ != nullptr) ReserveFilePolicyNames();
  absl::StatusOr<inventory::Inventory> inventory = inventory_source_->Load();
  if (!inventory.ok()) {
    ok = false;
    log::Error(inventory.status().message());
    log::Error("inventory rejected: ", inventory_source_->Describe(),
               " keeps its last good content; generation ", generation_, " stays in force");
  } else {
    if (*inventory != inventory_) {
      changed = true;
      inventory_ = *std::move(inventory);
    }
    if (kube_source_ != nullptr && kube_source_->policies_changed()) changed = true;
  }
  ReportSourceState();
  if (absl::Status s = WatchInputs(); !s.ok()) log::Warn("watching inputs: ", s.message());
  if (changed) {
    // A watched cluster changes many times a second; "policy applied" says enough then.
    if (kube_source_ == nullptr || why != kInventoryChanged) log::Info("reloading (", why, ")");
    MergePolicies();
    if (absl::Status s = EnforceNow(); !s.ok()) {
      ok = false;
      log::Error("applying generation ", generation_ + 1, " failed: ", s.message(),
                 "; the kernel keeps what was written so far, the next reload retries");
    } else if (const std::optional<absl::Time> since = inventory_source_->LoadedChangeTime(); since) {
      metrics_.ObserveInventoryApplyLatency(absl::Now() - *since);
    }
  }
  metrics_.OnReload(ok, generation_, absl::Now());
}

void Agent::RetryUnresolvedPods() {
  for (const std::string& cgroup : unresolved_cgroups_) {
    if (!cgroup::Id(cgroup::Resolve(cgroup_mount_, cgroup)).ok()) continue;
    log::Info("pod cgroup ", cgroup, " appeared");
    absl::Status s = EnforceNow();
    if (!s.ok()) log::Error("applying: ", s.message());
    metrics_.OnReload(s.ok(), generation_, absl::Now());
    return;
  }
}

void Agent::OnRecord(const events::Record& record) {
  events::Event event = events::Enrich(record, *directory_, clock_);
  // Every record is one violation, whether it prints alone, folds into a
  // summary or is held back by a rate limit.
  metrics::OnPrinted(metrics_, record, event);
  const std::vector<response::Trigger> responses = responder_->Observe(event, PodCgroupOf(record));
  Emit(pipeline_.Push(std::move(event), absl::Now()));
  responder_->Carry(responses);
  if (const auto* tls = std::get_if<nsfence_tls_event>(&record); tls != nullptr && tls->net.action == NSFENCE_ACTION_BLOCKED) {
    tls_blocked_reported_ = true;
  }
}

void Agent::Emit(const std::vector<events::Event>& lines) {
  for (const events::Event& event : lines) {
    std::string line = events::ToJsonLine(event);
    // The file holds exactly the stdout lines; a failed write costs it the
    // line, never stdout.
    if (audit_log_) {
      if (absl::Status s = audit_log_->Append(line); !s.ok()) AuditLogFailed(s);
    }
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) ++stdout_failures_;
    ++events_printed_;
  }
  output_pending_ = output_pending_ || !lines.empty();
  metrics_.SetLostTotal(metrics::LostStage::kRateLimit, pipeline_.suppressed_total());
  if (pipeline_timer_fd_ < 0) return;
  const absl::Time deadline = pipeline_.NextDeadline();
  // One timerfd_settime per change of deadline, not per line: in a flood
  // with aggregation off it never changes.
  if (deadline == pipeline_armed_for_) return;
  pipeline_armed_for_ = deadline;
  // Window ends a little apart share one wake-up.
  ArmOnce(pipeline_timer_fd_, deadline == absl::InfiniteFuture()
                                  ? absl::ZeroDuration()
                                  : std::max(deadline - absl::Now(), absl::ZeroDuration()) + kPipelineSlack);
}

// Once per batch (a loop turn), not per line: one fflush and one audit log
// sync however many records the ring buffer held.
void Agent::FlushOutput() {
  if (!output_pending_) return;
  output_pending_ = false;
  if (std::fflush(stdout) != 0) ++stdout_failures_;
  if (audit_log_) {
    if (absl::Status s = audit_log_->Sync(); !s.ok()) AuditLogFailed(s);
  }
  if (stdout_failures_ > stdout_failures_logged_ && absl::Now() - stdout_failure_logged_at_ >= absl::Minutes(1)) {
    log::Error("writing events to stdout failed ", stdout_failures_ - stdout_failures_logged_,
               " times (is the reader of stdout gone?); enforcement goes on, the audit log and metrics still count");
    stdout_failures_logged_ = stdout_failures_;
    stdout_failure_logged_at_ = absl::Now();
  }
}

void Agent::AuditLogFailed(const absl::Status& error) {
  ++audit_log_errors_;
  metrics_.OnAuditLogError();
  const absl::Time now = absl::Now();
  if (now - audit_log_error_logged_ < absl::Minutes(1)) {
    ++audit_log_errors_unreported_;
    return;
  }
  log::Error(error.message(),
             audit_log_errors_unreported_ > 0
                 ? absl::StrCat(" (", audit_log_errors_unreported_, " more audit log errors since the last one logged)")
                 : std::string(),
             "; stdout is unaffected");
  audit_log_error_logged_ = now;
  audit_log_errors_unreported_ = 0;
}

void Agent::EndBlockedTlsConnections() {
  tls_blocked_reported_ = false;
  absl::StatusOr<BlockedTlsDrain::Result> r = tls_drain_->Drain(pod_dirs_);
  if (!r.ok()) {
    log::Warn("ending blocked TLS connections: ", r.status().message());
    return;
  }
  if (r->ended > 0) log::Info("ended ", r->ended, " blocked TLS connections");
}

void Agent::SampleMetrics() {
  metrics_.SetRingbuf(ringbuf_usage_ ? ringbuf_usage_->used_bytes() : 0, datapath_->ringbuf_bytes());
  metrics::SetMapOccupancy(metrics_, enforcer_->state(), datapath_->maps());
}

void Agent::CheckCounters() {
  SampleMetrics();
  metrics_.SetLostTotal(metrics::LostStage::kUndecodable, reader_->undecodable());
  absl::StatusOr<loader::KernelCounters> now = datapath_->ReadCounters();
  if (!now.ok()) {
    log::Warn("reading kernel counters: ", now.status().message());
    return;
  }
  metrics_.SetKernelCounters(*now);
  const uint64_t lost = (*now)[NSFENCE_CNT_RINGBUF_RESERVE_FAILED] - last_counters_[NSFENCE_CNT_RINGBUF_RESERVE_FAILED];
  if (lost > 0) {
    log::Warn("lost ", lost, " violation records in the kernel: the ring buffer (", datapath_->ringbuf_bytes(),
              " bytes) was full; raise --ringbuf-bytes. Total lost: ",
              (*now)[NSFENCE_CNT_RINGBUF_RESERVE_FAILED]);
  }
  const uint64_t unparsed = (*now)[NSFENCE_CNT_PACKET_UNPARSED] - last_counters_[NSFENCE_CNT_PACKET_UNPARSED];
  if (unparsed > 0) log::Warn("dropped ", unparsed, " ingress packets whose headers could not be read");
  const uint64_t unsignalled = (*now)[NSFENCE_CNT_EXEC_SIGNAL_FAILED] - last_counters_[NSFENCE_CNT_EXEC_SIGNAL_FAILED];
  if (unsignalled > 0) {
    log::Error(unsignalled, " privileged execs could not be sent SIGKILL (bpf_send_signal refused): they may be running");
  }
  if (reader_->undecodable() != last_undecodable_) {
    log::Warn(reader_->undecodable() - last_undecodable_, " ring buffer records could not be decoded");
    last_undecodable_ = reader_->undecodable();
  }
  last_counters_ = *now;
}

Status Agent::CurrentStatus() {
  Status status;
  status.set_version(NSFENCE_VERSION);
  status.set_pid(getpid());
  status.set_started(absl::FormatTime(absl::RFC3339_sec, started_, absl::UTCTimeZone()));
  status.set_generation(generation_);
  status.set_policies(policies_in_force_.size());
  status.set_governed_namespaces(governed_namespaces_);
  if (guard_) {
    status.set_exec_backend(loader::ExecBackendName(guard_->backend()));
    status.set_lsm_unavailable(guard_->lsm_unavailable());
  }
  for (const auto& [name, insns] : program_sizes_) {
    Status::Program* program = status.add_programs();
    program->set_name(name);
    program->set_instructions(insns);
  }
  if (datapath_ && guard_) {
    status.set_links_adopted(datapath_->adopted_links() + guard_->adopted_links());
    status.set_links_attached(datapath_->attached_links() + guard_->attached_links());
  }
  if (enforcer_ && datapath_) {
    loader::ForEachMapOccupancy(enforcer_->state(), datapath_->maps(), [&](const loader::MapIo& map, size_t entries) {
      Status::MapOccupancy* m = status.add_maps();
      m->set_name(map.name());
      m->set_entries(entries);
      m->set_capacity(map.max_entries());
    });
  }
  loader::KernelCounters counters = last_counters_;
  if (datapath_) {
    if (absl::StatusOr<loader::KernelCounters> now = datapath_->ReadCounters(); now.ok()) counters = *now;
  }
  for (int c = 0; c < NSFENCE_CNT_MAX; ++c) {
    const absl::string_view name = metrics::KernelCounterName(c);
    if (!name.empty()) (*status.mutable_kernel_counters())[std::string(name)] = counters[c];
  }
  status.set_events_printed(events_printed_);
  status.set_violations(pipeline_.violations());
  status.set_suppressed_by_rate_limit(pipeline_.suppressed_total());
  status.set_metrics_address(metrics_.serving());
  status.set_audit_log(options_.audit_log);
  if (responder_) {
    for (const QuarantinedPod& q : responder_->Quarantined()) {
      Status::QuarantinedPod* out = status.add_quarantined_pods();
      out->set_pod(q.pod);
      out->set_policy(q.policy);
      if (q.since) out->set_since(absl::FormatTime(absl::RFC3339_sec, *q.since, absl::UTCTimeZone()));
    }
  }
  return status;
}

absl::Status Agent::ReleasePod(absl::string_view pod) {
  if (!responder_) return absl::UnavailableError("the agent is still starting");
  absl::Status released = responder_->Release(pod, absl::Now());
  FlushOutput();  // the release event is out before the answer
  return released;
}

absl::Status Agent::Loop() {
  NSF_ASSIGN_OR_RETURN(const int signal_fd, MakeSignalFd());
  NSF_ASSIGN_OR_RETURN(const int stats_fd, MakeTimerFd(options_.stats_interval, options_.stats_interval));
  NSF_ASSIGN_OR_RETURN(const int reload_fd, MakeTimerFd(absl::ZeroDuration(), absl::ZeroDuration()));
  NSF_ASSIGN_OR_RETURN(pipeline_timer_fd_, MakeTimerFd(absl::ZeroDuration(), absl::ZeroDuration()));
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) return ErrnoStatus(errno, "epoll_create1");
  std::vector<int> fds = {signal_fd, stats_fd, reload_fd, pipeline_timer_fd_, reader_->epoll_fd(), watcher_->fd()};
  if (admin_) fds.push_back(admin_->fd());
  const std::vector<int> source_fds = inventory_source_->ReadyFds();
  for (int fd : source_fds) fds.push_back(fd);
  for (int fd : fds) {
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) return ErrnoStatus(errno, "epoll_ctl");
  }
  // Records queued while no agent ran (after a crash or an upgrade), and the
  // connections blocked meanwhile.
  if (absl::StatusOr<int> n = reader_->Drain(); n.ok() && *n > 0) log::Info("reported ", *n, " queued violations");
  FlushOutput();
  EndBlockedTlsConnections();

  absl::Status status;
  bool running = true;
  while (running) {
    epoll_event ready[16];
    const int n = epoll_wait(epoll, ready, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, "epoll_wait");
      break;
    }
    bool inventory_changed = false;  // applied once per turn, however many watches spoke
    for (int i = 0; i < n; ++i) {
      const int fd = ready[i].data.fd;
      if (std::find(source_fds.begin(), source_fds.end(), fd) != source_fds.end()) {
        inventory_changed = inventory_source_->OnReadable(fd) || inventory_changed;
      } else if (fd == reader_->epoll_fd()) {
        if (absl::StatusOr<int> r = reader_->Drain(); !r.ok()) log::Warn(r.status().message());
        if (tls_blocked_reported_) EndBlockedTlsConnections();
      } else if (admin_ && fd == admin_->fd()) {
        admin_->Handle();
      } else if (fd == watcher_->fd()) {
        if (watcher_->Drain()) ArmOnce(reload_fd, kReloadSettle);
      } else if (fd == pipeline_timer_fd_) {
        ReadAll(pipeline_timer_fd_);
        pipeline_armed_for_ = absl::InfinitePast();  // fired: arm again whatever comes next
        Emit(pipeline_.Tick(absl::Now()));
      } else if (fd == reload_fd) {
        ReadAll(reload_fd);
        Reload("files changed");
      } else if (fd == stats_fd) {
        ReadAll(stats_fd);
        CheckCounters();
        ReportSourceState();
        metrics_.RetainNamespaces(live_namespaces_, absl::Now());
        if (kube_source_ != nullptr) malloc_trim(0);  // EnforceNow leaves it to this timer
        RetryUnresolvedPods();
        EndBlockedTlsConnections();
      } else if (fd == signal_fd) {
        signalfd_siginfo info{};
        while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
          if (info.ssi_signo == SIGHUP) {
            Reload("SIGHUP");
          } else {
            log::Info("received ", strsignal(static_cast<int>(info.ssi_signo)), ", stopping");
            running = false;
          }
        }
      }
    }
    if (inventory_changed) Reload(kInventoryChanged);
    FlushOutput();
  }
  close(epoll);
  for (int fd : {signal_fd, stats_fd, reload_fd}) close(fd);
  return status;
}

absl::Status Agent::Stop() {
  admin_.reset();  // removes the socket file: status is for a running agent
  if (reader_) (void)reader_->Drain();
  // Once detached, nothing drops a blocked connection's packets any more.
  if (tls_drain_) EndBlockedTlsConnections();
  Emit(pipeline_.Flush(absl::Now()));
  FlushOutput();
  CheckCounters();
  log::Info("printed ", events_printed_ - responses_printed_, " violation lines (", pipeline_.violations(),
            " violations, ", pipeline_.suppressed_total(), " held back by rate limits)",
            responses_printed_ > 0 ? absl::StrCat(" and ", responses_printed_, " response lines") : "");
  if (audit_log_) {
    log::Info("audit log ", options_.audit_log, ": ", audit_log_->lines(), " lines, ", audit_log_->bytes(), " bytes, ",
              audit_log_->rotations(), " rotations, ", audit_log_errors_, " errors");
  }
  if (options_.keep_enforcement_on_exit) {
    log::Info("leaving enforcement in place: programs stay attached, pins under ", options_.bpffs_dir);
    return absl::OkStatus();
  }
  reader_.reset();
  absl::Status s = guard_ ? guard_->DetachAndUnpin() : absl::OkStatus();
  if (absl::Status d = datapath_->DetachAndUnpin(); s.ok()) s = d;
  if (s.ok()) log::Info("detached from ", cgroup_root_, " and removed pins under ", options_.bpffs_dir);
  return s;
}

}  // namespace nsfence::agent
