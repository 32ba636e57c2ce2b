#include "support/kube/fake_apiserver.h"

#include <utility>

namespace nsfence::kube::testing {

FakeApiServer::FakeApiServer(std::string path, std::string list_kind, std::string api_version)
    : FakeCollection(std::move(path), std::move(list_kind), std::move(api_version)),
      http_(std::make_unique<TestHttpServer>(
          [this](const HttpRequest& request, HttpResponder& out) { Handle(request, out); })) {}

FakeApiServer::~FakeApiServer() {
  // Handlers return once the collection stops; then the server joins them,
  // before the collection they use is destroyed.
  Shutdown();
  http_.reset();
}

}  // namespace nsfence::kube::testing
