#include "kube/reflector.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "kube/api_error.h"
#include "kube/objects.h"

namespace nsfence::kube {
namespace {

// A watch the server ends sooner than this without sending anything counts
// as a failure, so that a server that hangs up at once is not hammered.
constexpr absl::Duration kShortestQuietWatch = absl::Seconds(1);
// The client gives the server this long past timeoutSeconds to end a watch.
constexpr absl::Duration kWatchGrace = absl::Seconds(30);

// What the cache keeps of an object from the API. managedFields is the
// server's bookkeeping of who set which field, often the larger part of an
// object; no consumer reads it. Items of a LIST of built-in types come
// without kind and apiVersion, which the list's own kind ("PodList") gives.
void Normalize(Struct* object, absl::string_view list_kind, absl::string_view api_version) {
  auto& fields = *object->mutable_fields();
  auto metadata = fields.find("metadata");
  if (metadata != fields.end() && metadata->second.has_struct_value()) {
    metadata->second.mutable_struct_value()->mutable_fields()->erase("managedFields");
  }
  absl::string_view kind = list_kind;
  if (absl::ConsumeSuffix(&kind, "List") && !kind.empty() && fields.count("kind") == 0) {
    fields["kind"].set_string_value(std::string(kind));
  }
  if (!api_version.empty() && fields.count("apiVersion") == 0) {
    fields["apiVersion"].set_string_value(std::string(api_version));
  }
}

// The object of a watch event, moved out of it; null when there is none.
std::shared_ptr<Struct> TakeObject(Struct* event) {
  auto it = event->mutable_fields()->find("object");
  if (it == event->mutable_fields()->end() || !it->second.has_struct_value()) return nullptr;
  return std::make_shared<Struct>(std::move(*it->second.mutable_struct_value()));
}

}  // namespace

Reflector::Reflector(ClusterConfig config, std::string path, ReflectorOptions options)
    : config_(std::move(config)), path_(std::move(path)), options_(std::move(options)) {}

Reflector::~Reflector() {
  Stop();
  if (change_fd_ >= 0) close(change_fd_);
}

absl::Status Reflector::Start() {
  if (thread_.joinable() || stop_.load()) {
    return absl::FailedPreconditionError(absl::StrCat("reflector of ", path_, " was already started"));
  }
  change_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (change_fd_ < 0) return ErrnoStatus(errno, absl::StrCat("eventfd for ", path_));
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void Reflector::Stop() {
  {
    const std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Snapshot Reflector::snapshot() const {
  const std::lock_guard<std::mutex> lock(mu_);
  Snapshot snapshot;
  snapshot.version = version_.load();
  snapshot.objects.reserve(cache_.size());
  for (const auto& [key, object] : cache_) snapshot.objects.push_back(object);
  return snapshot;
}

std::string Reflector::resource_version() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

absl::Status Reflector::last_error() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void Reflector::Run() {
  absl::StatusOr<HttpClient> client = HttpClient::Create(config_, options_.http);
  if (!client.ok()) {
    SetError(client.status());
    log::Error("kube: cannot watch ", path_, ": ", client.status().message());
    return;
  }
  Backoff backoff(options_.backoff, options_.uniform);
  const auto fail = [&](const absl::Status& status) {
    SetError(status);
    const absl::Duration wait = backoff.Next();
    log::Warn("kube: ", status.message(), " (retry in ", absl::FormatDuration(wait), ")");
    Wait(wait);
  };
  const auto now = [this] { return options_.now ? options_.now() : absl::Now(); };

  bool listed = false;
  while (!stop_.load()) {
    if (!listed) {
      if (absl::Status status = List(*client); !status.ok()) {
        if (!stop_.load()) fail(status);
        continue;
      }
      listed = true;
      backoff.Reset();
      SetError(absl::OkStatus());
    }
    const bool after_list = watch_.after_list;
    const absl::Time started = now();
    absl::StatusOr<WatchEnd> end = Watch(*client);
    if (stop_.load()) break;
    if (!end.ok()) {
      fail(end.status());  // the next watch resumes from the last resourceVersion seen
      continue;
    }
    const bool at_once = watch_.events == 0 && now() - started < kShortestQuietWatch;
    if (*end == WatchEnd::kRelist) {
      listed = false;
      // Gone at once from a version just listed: the server is not
      // keeping up, and listing again at once would not help.
      if (after_list && at_once) {
        fail(absl::UnavailableError(
            absl::StrCat("WATCH ", path_, ": 410 Gone right after a LIST")));
      }
      continue;
    }
    if (at_once) {
      fail(absl::UnavailableError(absl::StrCat("WATCH ", path_, ": the server ended it at once")));
      continue;
    }
    if (watch_.events > 0) {
      backoff.Reset();
      SetError(absl::OkStatus());
    }
  }
}

absl::Status Reflector::List(HttpClient& client) {
  std::map<std::string, ObjectPtr> objects;
  std::string resource_version;
  std::string continue_token;
  do {
    std::string query = absl::StrCat("limit=", options_.page_size);
    if (!continue_token.empty()) absl::StrAppend(&query, "&continue=", QueryEscape(continue_token));
    const std::string path = WithQuery(query);
    const std::string what = absl::StrCat("LIST ", path);
    absl::StatusOr<HttpResponse> response = client.Get(path);
    if (!response.ok()) return response.status();
    if (!response->ok()) return ApiError(what, response->status, response->body);
    absl::StatusOr<Struct> list = ParseJsonObject(response->body, what);
    if (!list.ok()) return list.status();

    const std::string kind = StringAt(*list, {"kind"});
    const std::string api_version = StringAt(*list, {"apiVersion"});
    auto items = list->mutable_fields()->find("items");
    if (items != list->mutable_fields()->end() && items->second.has_list_value()) {
      for (Value& item : *items->second.mutable_list_value()->mutable_values()) {
        if (!item.has_struct_value()) continue;
        auto object = std::make_shared<Struct>(std::move(*item.mutable_struct_value()));
        Normalize(object.get(), kind, api_version);
        std::string key = ObjectKey(*object);
        objects[std::move(key)] = std::move(object);
      }
    }
    resource_version = StringAt(*list, {"metadata", "resourceVersion"});
    continue_token = StringAt(*list, {"metadata", "continue"});
  } while (!continue_token.empty() && !stop_.load());
  if (stop_.load()) return absl::CancelledError("stopped");
  Replace(std::move(objects), resource_version);
  watch_.after_list = true;
  return absl::OkStatus();
}

absl::StatusOr<Reflector::WatchEnd> Reflector::Watch(HttpClient& client) {
  const std::string path = WithQuery(absl::StrCat(
      "watch=1&resourceVersion=", QueryEscape(resource_version()),
      "&allowWatchBookmarks=true&timeoutSeconds=", absl::ToInt64Seconds(options_.watch_timeout)));
  const bool after_list = watch_.after_list;
  watch_ = WatchState{};
  watch_.after_list = after_list;
  absl::StatusOr<HttpResponse> response = client.Stream(
      path, [this](absl::string_view line) { return OnWatchLine(line); }, stop_,
      options_.watch_timeout + kWatchGrace);
  watch_.after_list = false;
  if (stop_.load()) return WatchEnd::kStopped;
  if (watch_.gone) return WatchEnd::kRelist;
  if (!watch_.error.ok()) return watch_.error;
  if (!response.ok()) return response.status();
  if (response->status == kHttpGone) return WatchEnd::kRelist;
  if (!response->ok()) {
    return ApiError(absl::StrCat("WATCH ", path), response->status, response->body);
  }
  return WatchEnd::kRenew;
}

bool Reflector::OnWatchLine(absl::string_view line) {
  if (absl::StripAsciiWhitespace(line).empty()) return true;
  const std::string what = absl::StrCat("WATCH ", path_);
  absl::StatusOr<Struct> event = ParseJsonObject(line, absl::StrCat(what, " event"));
  if (!event.ok()) {
    watch_.error = event.status();
    return false;
  }
  const std::string type = StringAt(*event, {"type"});
  std::shared_ptr<Struct> object = TakeObject(&*event);
  if (object == nullptr) {
    watch_.error = absl::InvalidArgumentError(
        absl::StrCat(what, ": a ", type, " event without an object"));
    return false;
  }
  if (type == "ERROR") {
    absl::Status status = ApiError(what, *object);
    if (HttpStatusOf(status) == kHttpGone) {
      watch_.gone = true;
    } else {
      watch_.error = std::move(status);
    }
    return false;
  }
  if (++watch_.events == 1) SetError(absl::OkStatus());  // the watch works again
  Normalize(object.get(), "", "");
  if (type == "ADDED" || type == "MODIFIED") {
    Upsert(std::move(object));
  } else if (type == "DELETED") {
    Erase(*object);
  } else {
    // BOOKMARK (only its resourceVersion counts), or a type from the future.
    if (type != "BOOKMARK") log::Warn("kube: ", what, ": ignored a ", type, " event");
    SetResourceVersion(ResourceVersionOf(*object));
  }
  return true;
}

void Reflector::Replace(std::map<std::string, ObjectPtr> objects,
                        const std::string& resource_version) {
  std::vector<Delta> deltas;
  bool first_sync = false;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, object] : objects) {
      const auto old = cache_.find(key);
      if (old == cache_.end()) {
        deltas.push_back({Delta::Type::kAdded, key, object});
      } else if (ResourceVersionOf(*old->second) != ResourceVersionOf(*object)) {
        deltas.push_back({Delta::Type::kModified, key, object});
      }
    }
    for (const auto& [key, object] : cache_) {
      if (objects.count(key) == 0) deltas.push_back({Delta::Type::kDeleted, key, object});
    }
    cache_ = std::move(objects);
    resource_version_ = resource_version;
    first_sync = !synced_.exchange(true);
    if (!deltas.empty() || first_sync) version_.fetch_add(1);
  }
  Publish(deltas, first_sync);
}

void Reflector::Upsert(ObjectPtr object) {
  std::vector<Delta> deltas;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    std::string key = ObjectKey(*object);
    const std::string version = ResourceVersionOf(*object);
    if (!version.empty()) resource_version_ = version;
    ObjectPtr& slot = cache_[key];
    // The same version again (a watch resumed from an older point) is no change.
    if (slot != nullptr && ResourceVersionOf(*slot) == version) return;
    deltas.push_back({slot == nullptr ? Delta::Type::kAdded : Delta::Type::kModified,
                      std::move(key), object});
    slot = std::move(object);
    version_.fetch_add(1);
  }
  Publish(deltas, false);
}

void Reflector::Erase(const Struct& object) {
  std::vector<Delta> deltas;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (std::string version = ResourceVersionOf(object); !version.empty()) {
      resource_version_ = std::move(version);
    }
    const auto it = cache_.find(ObjectKey(object));
    if (it == cache_.end()) return;  // already gone
    deltas.push_back({Delta::Type::kDeleted, it->first, it->second});
    cache_.erase(it);
    version_.fetch_add(1);
  }
  Publish(deltas, false);
}

// Outside mu_, on the reflector thread, so deltas arrive in cache order.
void Reflector::Publish(const std::vector<Delta>& deltas, bool force_signal) {
  if (options_.on_delta) {
    for (const Delta& delta : deltas) options_.on_delta(delta);
  }
  if (deltas.empty() && !force_signal) return;
  const uint64_t one = 1;
  // Only fails when the counter would overflow, and then it is readable anyway.
  (void)!write(change_fd_, &one, sizeof one);
}

void Reflector::SetResourceVersion(const std::string& resource_version) {
  if (resource_version.empty()) return;
  const std::lock_guard<std::mutex> lock(mu_);
  resource_version_ = resource_version;
}

void Reflector::SetError(const absl::Status& status) {
  if (!status.ok()) failures_.fetch_add(1);
  const std::lock_guard<std::mutex> lock(mu_);
  last_error_ = status;
}

void Reflector::Wait(absl::Duration duration) {
  if (options_.sleep) {
    options_.sleep(duration);
    return;
  }
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(duration), [this] { return stop_.load(); });
}

std::string Reflector::WithQuery(absl::string_view query) const {
  return absl::StrCat(path_, absl::StrContains(path_, '?') ? "&" : "?", query);
}

}  // namespace nsfence::kube
