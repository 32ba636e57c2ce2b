#include "support/kube/fake_cluster.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "support/kube/kubeconfig_file.h"

namespace nsfence::kube::testing {

FakeCluster::FakeCluster()
    : http_(std::make_unique<TestHttpServer>(
          [this](const HttpRequest& request, HttpResponder& out) { Handle(request, out); })) {}

FakeCluster::FakeCluster(const std::vector<CollectionSpec>& collections) : FakeCluster() {
  for (const CollectionSpec& spec : collections) {
    AddCollection(spec.path, spec.list_kind, spec.api_version);
  }
}

std::vector<CollectionSpec> FakeCluster::NsfenceCollections() {
  return {{kNamespacesPath, "NamespaceList", "v1"},
          {kPodsPath, "PodList", "v1"},
          {kIsolationPoliciesPath, "IsolationPolicyList", "nsfence.io/v1alpha1"}};
}

FakeCluster::~FakeCluster() {
  // Handlers return once their collection stops; then the server joins
  // them, before the collections they use are destroyed.
  ForEach([](FakeCollection& collection) { collection.Shutdown(); });
  http_.reset();
}

FakeCollection& FakeCluster::AddCollection(std::string path, std::string list_kind,
                                           std::string api_version) {
  const std::lock_guard<std::mutex> lock(mu_);
  auto& slot = collections_[path];
  if (slot != nullptr) {
    std::fprintf(stderr, "FakeCluster: %s is served already\n", path.c_str());
    std::abort();
  }
  slot = std::make_unique<FakeCollection>(std::move(path), std::move(list_kind),
                                          std::move(api_version), clock_);
  if (!token_.empty()) slot->RequireToken(token_);
  return *slot;
}

FakeCollection* FakeCluster::collection(const std::string& path) {
  const std::lock_guard<std::mutex> lock(mu_);
  const auto it = collections_.find(path);
  return it == collections_.end() ? nullptr : it->second.get();
}

FakeCollection& FakeCluster::Require(const std::string& path) {
  FakeCollection* found = collection(path);
  if (found == nullptr) {
    std::fprintf(stderr, "FakeCluster: no collection %s (see NsfenceCollections())\n",
                 path.c_str());
    std::abort();
  }
  return *found;
}

void FakeCluster::RequireToken(std::string token) {
  const std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, collection] : collections_) collection->RequireToken(token);
  token_ = std::move(token);
}

void FakeCluster::SetOffline(bool offline) {
  ForEach([&](FakeCollection& collection) { collection.SetOffline(offline); });
}

void FakeCluster::DropWatches() {
  ForEach([](FakeCollection& collection) { collection.DropWatches(); });
}

void FakeCluster::Compact() {
  ForEach([](FakeCollection& collection) { collection.Compact(); });
}

void FakeCluster::ForEach(const std::function<void(FakeCollection&)>& apply) {
  const std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, collection] : collections_) apply(*collection);
}

std::string FakeCluster::resource_version() const { return absl::StrCat(clock_->Current()); }

absl::Status FakeCluster::WriteKubeconfig(const std::string& path,
                                          const std::string& token) const {
  return ::nsfence::kube::testing::WriteKubeconfig(path, url(), token);
}

void FakeCluster::Handle(const HttpRequest& request, HttpResponder& out) {
  FakeCollection* target = nullptr;
  std::string token;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    const auto it = collections_.find(request.path);
    if (it != collections_.end()) target = it->second.get();
    token = token_;
  }
  // Unlocked: a watch holds its handler for minutes. The collection lives
  // until the server has joined this thread.
  if (target != nullptr) {
    target->Handle(request, out);
  } else if (!token.empty() && request.Header("authorization") != "Bearer " + token) {
    out.Send(401, StatusJson(401, "Unauthorized", "Unauthorized"));  // authentication first
  } else {
    out.Send(404, StatusJson(404, "NotFound", "the server could not find the requested resource"));
  }
}

}  // namespace nsfence::kube::testing
