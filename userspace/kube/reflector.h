// An informer-style cache of one API collection, kept by list+watch on its
// own thread:
//   LIST (paged with limit/continue) -> the cache is replaced, and the
//   differences to what it held are delivered;
//   WATCH from the list's resourceVersion -> ADDED/MODIFIED/DELETED change
//   the cache, BOOKMARK only advances the resourceVersion;
//   the server ends the watch (timeoutSeconds) -> watch again at once;
//   the connection breaks -> watch again from the last resourceVersion seen,
//   after a jittered exponential backoff;
//   410 Gone (ERROR event or HTTP status) -> LIST again.
// The cache is the single source of truth: consumers take Snapshot()s when
// change_fd() becomes readable, and never miss or see twice a change.
#ifndef NSFENCE_KUBE_REFLECTOR_H_
#define NSFENCE_KUBE_REFLECTOR_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/backoff.h"
#include "kube/config.h"
#include "kube/http_client.h"
#include "kube/json.h"

namespace nsfence::kube {

using ObjectPtr = std::shared_ptr<const Struct>;

// One change of the cache, as the reflector thread makes it.
struct Delta {
  enum class Type { kAdded, kModified, kDeleted };
  Type type;
  std::string key;     // ObjectKey
  ObjectPtr object;    // for kDeleted, the last state known
};

struct Snapshot {
  uint64_t version = 0;
  std::vector<ObjectPtr> objects;  // sorted by key
};

struct ReflectorOptions {
  HttpOptions http;
  int page_size = 500;  // LIST limit
  // The watch's timeoutSeconds: the server ends it and it is renewed.
  absl::Duration watch_timeout = absl::Minutes(5);
  BackoffPolicy backoff;
  // In [0, 1], for the backoff's jitter; empty: random.
  std::function<double()> uniform;
  // Waits before a retry; empty: a wait that Stop() cuts short. Tests
  // record the waits instead of sleeping.
  std::function<void(absl::Duration)> sleep;
  // Tells how long a watch lasted; empty: absl::Now.
  std::function<absl::Time()> now;
  // Called on the reflector thread for every change, after the cache has it.
  std::function<void(const Delta&)> on_delta;
};

class Reflector {
 public:
  // `path` is the collection's API path, with a query if needed, e.g.
  // "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1".
  Reflector(ClusterConfig config, std::string path, ReflectorOptions options = {});
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;
  ~Reflector();  // Stop()s

  // Starts the thread; fails when the eventfd cannot be made.
  absl::Status Start();
  // Ends the thread within about a second (a quiet watch notices at its next
  // progress callback) and joins it. Idempotent.
  void Stop();

  // Readable (eventfd, non-blocking) when version() changed; read 8 bytes
  // to re-arm. The first successful LIST signals even when it is empty.
  int change_fd() const { return change_fd_; }
  // Bumped on every change of the cache.
  uint64_t version() const { return version_.load(); }
  // True from the first complete LIST on: an empty cache before is no news.
  bool synced() const { return synced_.load(); }
  // The cache's content, consistent with its version.
  Snapshot snapshot() const;
  // The resourceVersion the next watch starts from.
  std::string resource_version() const;
  // The latest failure (OK after a success), for status reports.
  absl::Status last_error() const;
  // Failed LISTs and WATCHes so far (each retried after a backoff).
  uint64_t failures() const { return failures_.load(); }

 private:
  enum class WatchEnd { kRenew, kRelist, kStopped };

  void Run();
  // One paged LIST into the cache.
  absl::Status List(HttpClient& client);
  // One WATCH request, applying its events.
  absl::StatusOr<WatchEnd> Watch(HttpClient& client);
  // Applies one line of a watch stream; false ends the stream (ERROR, bad JSON).
  bool OnWatchLine(absl::string_view line);

  // Cache changes: made and counted in version_ under mu_, published after.
  void Replace(std::map<std::string, ObjectPtr> objects, const std::string& resource_version);
  void Upsert(ObjectPtr object);
  void Erase(const Struct& object);
  // Hands the deltas to on_delta and signals change_fd (also when `force_signal`).
  void Publish(const std::vector<Delta>& deltas, bool force_signal);
  void SetResourceVersion(const std::string& resource_version);
  void SetError(const absl::Status& status);

  void Wait(absl::Duration duration);
  std::string WithQuery(absl::string_view query) const;

  const ClusterConfig config_;
  const std::string path_;
  const ReflectorOptions options_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  int change_fd_ = -1;

  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr> cache_;
  std::string resource_version_;
  absl::Status last_error_;
  std::atomic<uint64_t> version_{0};
  std::atomic<bool> synced_{false};
  std::atomic<uint64_t> failures_{0};

  // Of the watch in progress (reflector thread only).
  struct WatchState {
    bool gone = false;         // ERROR 410
    absl::Status error;        // another ERROR, or an unreadable event
    int events = 0;            // events applied, bookmarks included
    bool after_list = false;   // from the resourceVersion of a LIST, no event yet
  } watch_;
};

}  // namespace nsfence::kube

#endif  // NSFENCE_KUBE_REFLECTOR_H_
