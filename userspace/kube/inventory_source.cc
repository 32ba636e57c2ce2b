#include "kube/inventory_source.h"

#include <unistd.h>

#include <cstdint>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "kube/node_inventory.h"

namespace nsfence::kube {
namespace {

constexpr absl::Duration kReadyPoll = absl::Milliseconds(20);
constexpr absl::Duration kReadyReport = absl::Seconds(10);

}  // namespace

absl::StatusOr<std::unique_ptr<KubeInventorySource>> KubeInventorySource::Start(KubeInventoryOptions options) {
  std::unique_ptr<KubeInventorySource> source(new KubeInventorySource(std::move(options)));
  KubeInventorySource* self = source.get();
  absl::StatusOr<inventory::CgroupWatch> cgroups =
      inventory::CgroupWatch::Create(self->options_.cgroup_parent, self->options_.kubepods_root);
  if (!cgroups.ok()) {
    return absl::Status(cgroups.status().code(), absl::StrCat("watching the kubelet's pod cgroups: ", cgroups.status().message()));
  }
  self->cgroups_.emplace(*std::move(cgroups));
  ReflectorOptions reflector = self->options_.reflector;
  reflector.on_delta = [self](const Delta&) { self->NoteChange(); };
  self->namespaces_ = std::make_unique<Reflector>(self->options_.cluster, kNamespacesPath, reflector);
  self->pods_ = std::make_unique<Reflector>(self->options_.cluster, kPodsPath, reflector);
  self->policies_watch_ = std::make_unique<Reflector>(self->options_.cluster, kIsolationPoliciesPath, reflector);
  for (Reflector* r : {self->namespaces_.get(), self->pods_.get(), self->policies_watch_.get()}) {
    if (absl::Status s = r->Start(); !s.ok()) return s;
  }
  return source;
}

KubeInventorySource::~KubeInventorySource() {
  // Stopped before the members their callbacks touch go.
  for (Reflector* r : {namespaces_.get(), pods_.get(), policies_watch_.get()}) {
    if (r != nullptr) r->Stop();
  }
}

void KubeInventorySource::NoteChange() {
  const std::lock_guard<std::mutex> lock(change_mu_);
  if (!pending_change_) pending_change_ = absl::Now();
}

std::string KubeInventorySource::Describe() const {
  return absl::StrCat("Kubernetes API ", options_.cluster.server, " (node ", options_.node_name, ", cgroups under ",
                      options_.cgroup_parent, "/", options_.kubepods_root, ")");
}

std::vector<int> KubeInventorySource::ReadyFds() const {
  return {namespaces_->change_fd(), pods_->change_fd(), policies_watch_->change_fd(), cgroups_->fd()};
}

bool KubeInventorySource::OnReadable(int fd) {
  if (fd == cgroups_->fd()) {
    const std::vector<inventory::CgroupEvent> events = cgroups_->Drain();
    if (absl::Status s = cgroups_->TakeWatchErrors(); !s.ok()) {
      log::Warn("kube: ", s.message(), "; pods created there are seen at the next resync");
    }
    if (events.empty()) return false;
    NoteChange();
    return true;
  }
  uint64_t count = 0;
  return read(fd, &count, sizeof(count)) == sizeof(count);
}

std::vector<KubeInventorySource::CacheState> KubeInventorySource::caches() const {
  std::vector<CacheState> out;
  for (const auto& [name, r] : {std::pair<const char*, const Reflector*>{"namespaces", namespaces_.get()},
                                {"pods", pods_.get()},
                                {"isolationpolicies", policies_watch_.get()}}) {
    absl::Status error = r->last_error();
    out.push_back({.resource = name, .synced = r->synced() && error.ok(), .failures = r->failures(),
                   .last_error = std::move(error)});
  }
  return out;
}

absl::Status KubeInventorySource::WaitReady(absl::Duration timeout) {
  const absl::Time start = absl::Now();
  absl::Time reported = start;
  while (true) {
    std::vector<std::string> missing;
    for (const Reflector* r : {namespaces_.get(), pods_.get(), policies_watch_.get()}) {
      if (r->synced()) continue;
      const absl::Status error = r->last_error();
      missing.push_back(error.ok() ? "a first LIST is in progress" : std::string(error.message()));
    }
    if (missing.empty()) return absl::OkStatus();
    const absl::Time now = absl::Now();
    if (now - start >= timeout) {
      return absl::UnavailableError(absl::StrCat(
          "the API server's namespaces, pods and isolationpolicies were not all listed within ",
          absl::FormatDuration(timeout), ": ", absl::StrJoin(missing, "; "),
          " (check the server address, the credentials and the agent's RBAC: get/list/watch on namespaces, pods, "
          "isolationpolicies.nsfence.io)"));
    }
    if (now - reported >= kReadyReport) {
      log::Info("kube: waiting for the API caches: ", absl::StrJoin(missing, "; "));
      reported = now;
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(kReadyPoll));
  }
}

absl::StatusOr<inventory::Inventory> KubeInventorySource::Load() {
  if (!namespaces_->synced() || !pods_->synced() || !policies_watch_->synced()) {
    return absl::UnavailableError("the Kubernetes API caches have not synced yet");
  }
  {
    const std::lock_guard<std::mutex> lock(change_mu_);
    loaded_change_ = pending_change_;
    pending_change_.reset();
  }
  inventory::PodCgroups cgroups = cgroups_->pods();
  for (auto& [uid, pod] : cgroups) pod.cgroup = absl::StrCat(options_.cgroup_parent, "/", pod.cgroup);
  NodeInventory node = BuildNodeInventory(namespaces_->snapshot(), pods_->snapshot(), cgroups,
                                          options_.deny_unknown_pods);
  PolicyObjects::UpdateResult objects = policy_objects_.Update(policies_watch_->snapshot(), reserved_);
  policies_ = policy_objects_.policies();
  policies_changed_ = objects.changed;
  if (node.unknown_pods_policy) policies_.push_back(*std::move(node.unknown_pods_policy));
  unknown_pods_ = node.unknown_pods.size();

  // Object problems repeat at every Load while the object stays; say each once.
  new_problems_ = std::move(objects.errors);
  std::set<std::string> seen;
  for (Diagnostic& d : node.problems) {
    const std::string text = d.ToString();
    seen.insert(text);
    if (problems_seen_.count(text) == 0) new_problems_.push_back(std::move(d));
  }
  problems_seen_ = std::move(seen);
  return std::move(node.inventory);
}

}  // namespace nsfence::kube
