// A fake kube-apiserver serving one collection (FakeCollection: LIST, WATCH,
// bookmarks, 410, faults) on its own 127.0.0.1 port. For several
// collections behind one URL, as the agent needs, see fake_cluster.h.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_FAKE_APISERVER_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_FAKE_APISERVER_H_

#include <memory>
#include <string>

#include "support/kube/fake_collection.h"
#include "support/kube/test_http_server.h"

namespace nsfence::kube::testing {

class FakeApiServer : public FakeCollection {
 public:
  // `path` is the collection ("/api/v1/namespaces"), `list_kind` its list's
  // kind ("NamespaceList") and `api_version` its group version ("v1").
  // Requests for other paths get 404.
  FakeApiServer(std::string path, std::string list_kind, std::string api_version);
  ~FakeApiServer();

  std::string url() const { return http_->url(); }

 private:
  std::unique_ptr<TestHttpServer> http_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_FAKE_APISERVER_H_
