// A fake kube-apiserver serving several collections behind one URL, as a
// real one does: requests are routed by path to their FakeCollection (404
// otherwise), and all collections share one resourceVersion counter, as
// etcd's revision is shared by all resources. For e2e tests and benchmarks
// that run the agent against it through a kubeconfig (WriteKubeconfig).
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_FAKE_CLUSTER_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_FAKE_CLUSTER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "support/kube/fake_collection.h"
#include "support/kube/resource_version_clock.h"
#include "support/kube/test_http_server.h"

namespace nsfence::kube::testing {

// The collections the agent watches.
inline constexpr char kNamespacesPath[] = "/api/v1/namespaces";
inline constexpr char kPodsPath[] = "/api/v1/pods";
inline constexpr char kIsolationPoliciesPath[] = "/apis/nsfence.io/v1alpha1/isolationpolicies";

struct CollectionSpec {
  std::string path;         // "/api/v1/pods"
  std::string list_kind;    // "PodList"
  std::string api_version;  // "v1"
};

class FakeCluster {
 public:
  // Listens at once on 127.0.0.1, any free port, with no collection (add
  // them with AddCollection) or with `collections`.
  FakeCluster();
  explicit FakeCluster(const std::vector<CollectionSpec>& collections);
  // Namespaces, pods and IsolationPolicies: namespaces(), pods(), policies().
  static std::vector<CollectionSpec> NsfenceCollections();
  static FakeCluster ForNsfence() { return FakeCluster(NsfenceCollections()); }
  FakeCluster(const FakeCluster&) = delete;
  FakeCluster& operator=(const FakeCluster&) = delete;
  ~FakeCluster();

  // Serves a new collection at `path` (aborts if it is served already);
  // the reference lives as long as the cluster. It takes the cluster's
  // token, if one is required.
  FakeCollection& AddCollection(std::string path, std::string list_kind,
                                std::string api_version);
  // The collection at `path`; null if none.
  FakeCollection* collection(const std::string& path);
  // Of a cluster with NsfenceCollections(); abort otherwise.
  FakeCollection& namespaces() { return Require(kNamespacesPath); }
  FakeCollection& pods() { return Require(kPodsPath); }
  FakeCollection& policies() { return Require(kIsolationPoliciesPath); }

  // Refuses (401) requests without "Authorization: Bearer <token>", in every
  // collection and for unknown paths.
  void RequireToken(std::string token);
  // Of every collection, as when the whole server fails: an outage (requests
  // wait), a restart (open watches cut), an etcd compaction (410 Gone).
  void SetOffline(bool offline);
  void DropWatches();
  void Compact();
  // The latest change's resourceVersion in any collection: what a LIST says.
  std::string resource_version() const;

  std::string url() const { return http_->url(); }  // "http://127.0.0.1:<port>"
  // A kubeconfig whose current context is this server with bearer `token`
  // (none when empty), for nsfence::kube::KubeconfigConfig and the agent.
  absl::Status WriteKubeconfig(const std::string& path, const std::string& token = "") const;

 private:
  void Handle(const HttpRequest& request, HttpResponder& out);
  FakeCollection& Require(const std::string& path);
  void ForEach(const std::function<void(FakeCollection&)>& apply);

  const std::shared_ptr<ResourceVersionClock> clock_ = std::make_shared<ResourceVersionClock>();
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FakeCollection>> collections_;  // by path
  std::string token_;

  // Last: its destructor joins handlers that use the members above.
  std::unique_ptr<TestHttpServer> http_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_FAKE_CLUSTER_H_
