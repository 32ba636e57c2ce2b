// One API collection served the way kube-apiserver serves it: LIST with
// limit/continue, WATCH from a resourceVersion as a chunked stream of
// {"type","object"} lines, bookmarks, "410 Gone" for compacted versions, and
// the faults a client must survive (dropped connections, cut lines, 500s,
// a rotated token, an outage). It records every request for assertions.
// It has no server of its own: FakeApiServer serves one collection,
// FakeCluster several on one URL.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_FAKE_COLLECTION_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_FAKE_COLLECTION_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/json.h"
#include "support/kube/resource_version_clock.h"
#include "support/kube/test_http_server.h"

namespace nsfence::kube::testing {

class FakeCollection {
 public:
  // `path` is the collection ("/api/v1/namespaces"), `list_kind` its list's
  // kind ("NamespaceList") and `api_version` its group version ("v1").
  // `clock` is shared with the server's other collections; null: a clock of
  // its own.
  FakeCollection(std::string path, std::string list_kind, std::string api_version,
                 std::shared_ptr<ResourceVersionClock> clock = nullptr);
  FakeCollection(const FakeCollection&) = delete;
  FakeCollection& operator=(const FakeCollection&) = delete;
  ~FakeCollection();

  const std::string& path() const { return path_; }

  // Each change gets the next resourceVersion (returned) and is an event for
  // open watches, which it wakes at once. Objects are keyed by namespace/name.
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

  // Answers one request, on the server's connection thread: LIST or WATCH
  // of this collection, 404 for another path. Records it first.
  void Handle(const HttpRequest& request, HttpResponder& out);
  // Ends waiting requests and open watches, for good: the server calls it
  // before joining its handlers.
  void Shutdown();

 private:
  struct Event {
    uint64_t version;  // a watch from version v gets the events after v
    // Rendered once, for every watch: also what is kept of history.
    std::shared_ptr<const std::string> line;
  };

  std::string Record(const std::string& type, Struct object);  // under mu_
  void List(const HttpRequest& request, HttpResponder& out);
  void Watch(const HttpRequest& request, HttpResponder& out);

  const std::string path_;
  const std::string list_kind_;
  const std::string api_version_;
  const std::shared_ptr<ResourceVersionClock> clock_;

  mutable std::mutex mu_;
  // Every change of state: events, watches, requests, faults, stopping.
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t compacted_ = 0;        // versions up to this one are forgotten
  uint64_t drop_generation_ = 0;  // bumped by DropWatches
  bool cut_next_event_ = false;
  int fail_count_ = 0;
  int fail_status_ = 500;
  std::string token_;
  bool offline_ = false;
  std::map<std::string, std::shared_ptr<const Struct>> objects_;
  std::vector<Event> events_;  // by version
  std::vector<HttpRequest> requests_;
  size_t watches_streaming_ = 0;
  std::vector<std::string> continue_tokens_;
};

// A kube-apiserver Status object ("kind":"Status") of a failure.
std::string StatusJson(int code, const std::string& reason, const std::string& message);

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_FAKE_COLLECTION_H_
