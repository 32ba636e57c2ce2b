#include "kube_rig.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "event_pipeline/metrics_scrape.h"
#include "kube_objects.h"
#include "pod_cgroup.h"
#include "probe_process.h"
#include "process_stats.h"
#include "support/testbed/tool_paths.h"

namespace nsfence::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kToken[] = "nsfence-kube-bench";
constexpr absl::Duration kServerReady = absl::Seconds(5);
constexpr absl::Duration kStandingEnforced = absl::Seconds(10);
constexpr absl::Duration kStopGrace = absl::Seconds(10);
constexpr absl::Duration kEntriesPoll = absl::Milliseconds(10);
constexpr absl::Duration kProbeTimeout = absl::Seconds(1);

// What the standing pods take: an endpoint each, an identity for each
// governed (job) namespace; and each filler namespace an identity.
MapEntries StandingEntries(int filler_namespaces) {
  return {.endpoints = 3, .identities = 2 + static_cast<size_t>(filler_namespaces)};
}

absl::Status CheckExecutable(const std::string& path) {
  if (access(path.c_str(), X_OK) == 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(path, " is missing; build it first"));
}

// Files (pins) below `dir`, recursively.
std::vector<std::string> FilesBelow(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory()) files.push_back(fs::relative(it->path(), dir).string());
  }
  return files;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KubeRig>> KubeRig::Start(const KubeBenchConfig& config, std::ostream& progress) {
  std::unique_ptr<KubeRig> rig(new KubeRig());
  NSF_RETURN_IF_ERROR(rig->Build(config, progress));
  return rig;
}

KubeRig::~KubeRig() {
  maps_.reset();
  if (agent_) agent_->Stop(kStopGrace);
  const std::string bpffs = work_dir_ ? work_dir_->bpffs_dir() : "";
  if (!bpffs.empty() && !MountsBelow(bpffs).empty()) umount2(bpffs.c_str(), MNT_DETACH);
}

std::string KubeRig::qos_dir() const { return BurstableSlice(kubepods_root_); }

absl::Status KubeRig::Build(const KubeBenchConfig& config, std::ostream& progress) {
  const std::string bin_dir = testbed::DefaultBinDir();
  const std::string agent = config.agent_binary.empty() ? bin_dir + "/nsfence-agent" : config.agent_binary;
  NSF_RETURN_IF_ERROR(CheckExecutable(agent));
  NSF_ASSIGN_OR_RETURN(WorkDir work_dir, WorkDir::Create());
  work_dir_.emplace(std::move(work_dir));

  NSF_ASSIGN_OR_RETURN(testbed_, testbed::Testbed::Create(
                                     {.bin_dir = bin_dir, .cgroup_layout = testbed::CgroupLayout::kKubeletSystemd}));
  kubepods_root_ = testbed_->kubepods_root();
  NSF_RETURN_IF_ERROR(testbed_->AddNamespace("job-a", {{kTierLabel, "job"}}));
  NSF_RETURN_IF_ERROR(testbed_->AddNamespace("job-b", {{kTierLabel, "job"}}));
  NSF_RETURN_IF_ERROR(testbed_->AddNamespace("infra", {{kTierLabel, "infra"}}));
  NSF_ASSIGN_OR_RETURN(runner_, testbed_->AddPod("job-a", "runner"));
  NSF_ASSIGN_OR_RETURN(worker_, testbed_->AddPod("job-b", "worker"));
  NSF_ASSIGN_OR_RETURN(cache_, testbed_->AddPod("infra", "cache"));

  cluster_ = std::make_unique<kube::testing::FakeCluster>(kube::testing::FakeCluster::NsfenceCollections());
  cluster_->RequireToken(kToken);
  NSF_RETURN_IF_ERROR(PublishStanding(config.filler_namespaces));
  NSF_RETURN_IF_ERROR(Serve(*worker_));
  NSF_RETURN_IF_ERROR(Serve(*cache_));
  progress << "node: kubelet cgroup layout (systemd driver) at " << kubepods_root_ << "; job-a/runner "
           << runner_->ipv4().ToString() << ", job-b/worker " << worker_->ipv4().ToString() << ":" << kInfraPort
           << ", infra/cache " << cache_->ipv4().ToString() << ":" << kInfraPort
           << (config.filler_namespaces > 0
                   ? absl::StrCat("; ", config.filler_namespaces, " filler namespaces (tier=job, no pods)")
                   : std::string())
           << "; API server " << cluster_->url() << "\n";

  // The run measures one agent, even if the build changes meanwhile.
  NSF_ASSIGN_OR_RETURN(const std::string snapshot, work_dir_->Snapshot(agent));
  NSF_RETURN_IF_ERROR(StartAgent(config, snapshot));
  NSF_RETURN_IF_ERROR(CheckStandingPolicy());
  progress << "agent: pid " << agent_->pid() << ", " << agent_flags_ << ", metrics on " << metrics_address_
           << "; baseline nsf_endpoints=" << baseline_.endpoints << " nsf_identities=" << baseline_.identities
           << absl::StrFormat(", RSS %.1f MiB", static_cast<double>(ResidentKib(agent_->pid())) / 1024) << "\n";
  return absl::OkStatus();
}

absl::Status KubeRig::PublishStanding(int filler_namespaces) {
  for (int i = 0; i < filler_namespaces; ++i) {
    NSF_ASSIGN_OR_RETURN(kube::Struct ns, NamespaceObject(absl::StrCat("filler-", i), "job"));
    cluster_->namespaces().Add(std::move(ns));
  }
  for (const auto& [name, tier] : {std::pair{"job-a", "job"}, std::pair{"job-b", "job"}, std::pair{"infra", "infra"}}) {
    NSF_ASSIGN_OR_RETURN(kube::Struct ns, NamespaceObject(name, tier));
    cluster_->namespaces().Add(std::move(ns));
  }
  for (const testbed::Pod* pod : {runner_, worker_, cache_}) {
    NSF_ASSIGN_OR_RETURN(kube::Struct object,
                         RunningPodObject(pod->namespace_name(), pod->name(), pod->uid(), pod->ipv4().ToString()));
    cluster_->pods().Add(std::move(object));
  }
  NSF_ASSIGN_OR_RETURN(kube::Struct policy, JobsPolicyObject());
  cluster_->policies().Add(std::move(policy));
  return absl::OkStatus();
}

absl::Status KubeRig::Serve(const testbed::Pod& pod) {
  NSF_ASSIGN_OR_RETURN(testbed::BackgroundProcess server,
                       testbed::BackgroundProcess::Start(
                           pod.CommandLine({testbed_->tools().netprobe, "tcp-serve", absl::StrCat(kInfraPort)})));
  if (!server.WaitForStdout("listening", kServerReady)) {
    return absl::DeadlineExceededError(absl::StrCat("tcp-serve ", kInfraPort, " on ", pod.namespace_name(), "/",
                                                    pod.name(), " not ready: ", server.StderrText()));
  }
  servers_.push_back(std::move(server));
  return absl::OkStatus();
}

absl::Status KubeRig::StartAgent(const KubeBenchConfig& config, const std::string& binary) {
  const std::string kubeconfig = work_dir_->path() + "/kubeconfig";
  NSF_RETURN_IF_ERROR(cluster_->WriteKubeconfig(kubeconfig, kToken));
  const std::vector<std::string> flags = {"--inventory-source=kubernetes", absl::StrCat("--node-name=", kNodeName),
                                          "--unknown-pods=deny",           "--metrics-address=127.0.0.1:0",
                                          "--aggregate-seconds=0",         "--stats-seconds=1"};
  agent_flags_ = absl::StrJoin(flags, " ");
  std::vector<std::string> args = {"--kubeconfig", kubeconfig, "--cgroup-root", kubepods_root_,
                                   "--bpffs", work_dir_->bpffs_dir(),
                                   // This run's own: never /run/nsfence, where a real agent may listen.
                                   absl::StrCat("--admin-socket=", work_dir_->path(), "/agent.sock")};
  args.insert(args.end(), flags.begin(), flags.end());
  NSF_ASSIGN_OR_RETURN(agent_, AgentPipe::Start({.binary = binary, .args = args,
                                                 .log_path = work_dir_->path() + "/agent.log"}));
  if (!agent_->WaitForLog("ready: ", config.agent_ready_timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("the agent did not log \"ready: \"; its log:\n", agent_->LogText()));
  }
  metrics_address_ = MetricsAddressFromLog(agent_->LogText());
  if (metrics_address_.empty()) {
    return absl::InternalError(absl::StrCat("the agent logged no metrics address:\n", agent_->LogText()));
  }
  NSF_ASSIGN_OR_RETURN(PolicyMaps maps, PolicyMaps::Open(work_dir_->bpffs_dir()));
  maps_.emplace(std::move(maps));
  baseline_ = StandingEntries(config.filler_namespaces);
  NSF_ASSIGN_OR_RETURN(const MapEntries seen, WaitForBaseline(kStandingEnforced));
  if (seen != baseline_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the standing pods are not enforced: nsf_endpoints has ", seen.endpoints, " entries, nsf_identities ",
        seen.identities, " (want ", baseline_.endpoints, " and ", baseline_.identities,
        "); the agent's log:\n", agent_->LogText()));
  }
  return absl::OkStatus();
}

absl::Status KubeRig::CheckStandingPolicy() {
  const auto probe = [&](const testbed::Pod& to) -> absl::StatusOr<std::string> {
    NSF_ASSIGN_OR_RETURN(
        ProbeProcess p,
        ProbeProcess::Start(ProbeCommand(tools().podexec, runner_->process_cgroup(), runner_->netns_name(),
                                         tools().netprobe, TcpConnectArgs(to.ipv4().ToString(), kInfraPort, kProbeTimeout))));
    return p.Finish(kProbeTimeout + absl::Seconds(4));
  };
  NSF_ASSIGN_OR_RETURN(const std::string to_worker, probe(*worker_));
  NSF_ASSIGN_OR_RETURN(const std::string to_cache, probe(*cache_));
  if (to_worker != kProbeDenied || to_cache != kProbeOk) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the jobs policy is not in force on the standing pods: job-a/runner -> job-b/worker:", kInfraPort, " gave \"",
        to_worker, "\" (want \"", kProbeDenied, "\"), -> infra/cache:", kInfraPort, " gave \"", to_cache,
        "\" (want \"", kProbeOk, "\")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<MapEntries> KubeRig::Entries() const {
  NSF_ASSIGN_OR_RETURN(const size_t endpoints, maps_->Endpoints());
  NSF_ASSIGN_OR_RETURN(const size_t identities, maps_->Identities());
  return MapEntries{.endpoints = endpoints, .identities = identities};
}

absl::StatusOr<MapEntries> KubeRig::WaitForBaseline(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    NSF_ASSIGN_OR_RETURN(const MapEntries seen, Entries());
    if (seen == baseline_ || absl::Now() >= deadline) return seen;
    absl::SleepFor(kEntriesPoll);
  }
}

absl::StatusOr<std::string> KubeRig::Metrics() const { return ScrapeMetrics(metrics_address_); }

absl::Status KubeRig::StopAgent(const std::string& log_copy) {
  if (!agent_) return absl::OkStatus();
  maps_.reset();
  const bool clean = agent_->Stop(kStopGrace);
  const std::string log = agent_->LogText();
  if (!log_copy.empty()) {
    std::error_code error;
    fs::copy_file(work_dir_->path() + "/agent.log", log_copy, fs::copy_options::overwrite_existing, error);
    if (error) return absl::InternalError(absl::StrCat("copying the agent's log to ", log_copy, ": ", error.message()));
  }
  agent_.reset();
  if (!clean) return absl::InternalError(absl::StrCat("the agent did not exit cleanly on SIGTERM; its log:\n", log));
  const std::string bpffs = work_dir_->bpffs_dir();
  const std::vector<std::string> pins = FilesBelow(bpffs);
  if (!pins.empty()) {
    return absl::InternalError(
        absl::StrCat("the agent left pins under ", bpffs, ": ", absl::StrJoin(pins, ", ")));
  }
  // It mounted a bpffs there (nothing was mounted on /tmp's directory) and
  // leaves it mounted; it is this run's.
  if (!MountsBelow(bpffs).empty() && umount2(bpffs.c_str(), MNT_DETACH) != 0) {
    return ErrnoStatus(errno, absl::StrCat("unmounting ", bpffs));
  }
  return absl::OkStatus();
}

}  // namespace nsfence::bench
