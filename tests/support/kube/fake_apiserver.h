// One API collection served the way kube-apiserver serves it: LIST with
// limit/continue, WATCH from a resourceVersion as a chunked stream of
// {"type","object"} lines, bookmarks, "410 Gone" for compacted versions, and
// the faults a client must survive (dropped connections, cut lines, 500s,
// a rotated token, an outage). It records every request for assertions.
#ifndef NSFENCE_TESTS_UNIT_KUBE_FAKE_APISERVER_H_
#define NSFENCE_TESTS_UNIT_KUBE_FAKE_APISERVER_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/json.h"
#include "test_http_server.h"

namespace nsfence::kube::testing {

class FakeApiServer {
 public:
  // `path` is the collection ("/api/v1/namespaces"), `list_kind` its list's
  // kind ("NamespaceList") and `api_version` its group version ("v1").
  FakeApiServer(std::string path, std::string list_kind, std::string api_version);
  ~FakeApiServer();

  std::string url() const { return http_->url(); }

  // Each change gets the next resourceVersion (returned) and is an event for
  // open watches. Objects are keyed by namespace/name.
  std::string Add(Struct object);
  std::string Modify(Struct object);
  std::string Remove(const std::string& key);
  // Another collection changed: the resourceVersion advances, nothing here.
  std::string AdvanceVersion();
  // A BOOKMARK at the current resourceVersion to open watches.
  void Bookmark();
  // Forgets history: watches from before now get ERROR 410, open ones too.
  void Compact();
  // Cuts open watches between two events.
  void DropWatches();
  // Cuts open watches in the middle of the next event's line.
  void CutNextEvent();
  // The next `count` requests fail with `status` (a Status object).
  void FailNext(int count, int status);
  // Refuses (401) requests without "Authorization: Bearer <token>".
  void RequireToken(std::string token);
  // While offline, requests wait; they are answered when back online.
  void SetOffline(bool offline);

  // What clients asked for.
  std::vector<HttpRequest> requests() const;
  std::vector<HttpRequest> watches() const;
  std::vector<HttpRequest> lists() const;
  // Waits until `count` watch requests have been answered with 200 and
  // are streaming (or were); false after `timeout`.
  bool WaitForWatches(size_t count, absl::Duration timeout = absl::Seconds(5));
  // Waits until `count` requests have arrived, waiting or not.
  bool WaitForRequests(size_t count, absl::Duration timeout = absl::Seconds(5));
  // The continue tokens LIST pages handed out.
  std::vector<std::string> continue_tokens() const;

 private:
  struct Event {
    uint64_t version;
    std::string type;
    std::shared_ptr<const Struct> object;
  };

  std::string Record(std::string type, Struct object);  // under mu_
  void Handle(const HttpRequest& request, HttpResponder& out);
  void List(const HttpRequest& request, HttpResponder& out);
  void Watch(const HttpRequest& request, HttpResponder& out);
  static std::string StatusJson(int code, const std::string& reason, const std::string& message);

  const std::string path_;
  const std::string list_kind_;
  const std::string api_version_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t version_ = 1000;
  uint64_t compacted_ = 0;        // versions up to this one are forgotten
  uint64_t drop_generation_ = 0;  // bumped by DropWatches
  bool cut_next_event_ = false;
  int fail_count_ = 0;
  int fail_status_ = 500;
  std::string token_;
  bool offline_ = false;
  std::map<std::string, std::shared_ptr<const Struct>> objects_;
  std::vector<Event> events_;
  std::vector<HttpRequest> requests_;
  size_t watches_streaming_ = 0;
  std::vector<std::string> continue_tokens_;

  // Last: its destructor joins handlers that use the members above.
  std::unique_ptr<TestHttpServer> http_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_UNIT_KUBE_FAKE_APISERVER_H_
