#include "support/kube/fake_collection.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "kube/objects.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube::testing {
namespace {

void SetResourceVersion(Struct* object, uint64_t version) {
  Struct* metadata = (*object->mutable_fields())["metadata"].mutable_struct_value();
  (*metadata->mutable_fields())["resourceVersion"].set_string_value(absl::StrCat(version));
}

std::string EventLine(absl::string_view type, const Struct& object) {
  Struct event;
  (*event.mutable_fields())["type"].set_string_value(std::string(type));
  *(*event.mutable_fields())["object"].mutable_struct_value() = object;
  return absl::StrCat(ToJson(event), "\n");
}

// Continue tokens are opaque base64, as the real ones; these carry
// characters a client must escape in a query ('=' and maybe '+', '/').
std::string ContinueToken(uint64_t version, size_t offset) {
  std::string text = absl::StrCat("{\"rv\":", version, ",\"start\":", offset, "}");
  if (text.size() % 3 == 0) text += ' ';  // so that the token ends in '=' padding
  return absl::Base64Escape(text);
}

bool ParseContinueToken(const std::string& token, uint64_t* version, size_t* offset) {
  std::string text;
  if (!absl::Base64Unescape(token, &text)) return false;
  const std::vector<std::string> parts = absl::StrSplit(text, absl::ByAnyChar(":,}"));
  return parts.size() >= 4 && absl::SimpleAtoi(parts[1], version) &&
         absl::SimpleAtoi(parts[3], offset);
}

}  // namespace

std::string StatusJson(int code, const std::string& reason, const std::string& message) {
  return absl::StrCat(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)",
                      R"("message":")", message, R"(","reason":")", reason, R"(","code":)", code,
                      "}");
}

FakeCollection::FakeCollection(std::string path, std::string list_kind, std::string api_version,
                               std::shared_ptr<ResourceVersionClock> clock)
    : path_(std::move(path)), list_kind_(std::move(list_kind)),
      api_version_(std::move(api_version)),
      clock_(clock != nullptr ? std::move(clock) : std::make_shared<ResourceVersionClock>()) {}

FakeCollection::~FakeCollection() { Shutdown(); }

void FakeCollection::Shutdown() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

std::string FakeCollection::Record(const std::string& type, Struct object) {
  // Taken under mu_, so that this collection's events are in version order
  // and a LIST (also under mu_) holds every change up to the version it
  // reports.
  const uint64_t version = clock_->Next();
  SetResourceVersion(&object, version);
  auto shared = std::make_shared<const Struct>(std::move(object));
  events_.push_back({version, std::make_shared<const std::string>(EventLine(type, *shared))});
  if (type == "DELETED") {
    objects_.erase(ObjectKey(*shared));
  } else {
    objects_[ObjectKey(*shared)] = std::move(shared);
  }
  cv_.notify_all();
  return absl::StrCat(version);
}

std::string FakeCollection::Add(Struct object) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("ADDED", std::move(object));
}

std::string FakeCollection::Modify(Struct object) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("MODIFIED", std::move(object));
}

std::string FakeCollection::Remove(const std::string& key) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("DELETED", *objects_.at(key));
}

std::string FakeCollection::AdvanceVersion() { return absl::StrCat(clock_->Next()); }

void FakeCollection::Bookmark() {
  const std::lock_guard<std::mutex> lock(mu_);
  const uint64_t version = clock_->Current();
  Struct bookmark;
  (*bookmark.mutable_fields())["kind"].set_string_value(
      list_kind_.substr(0, list_kind_.size() - 4));
  (*bookmark.mutable_fields())["apiVersion"].set_string_value(api_version_);
  SetResourceVersion(&bookmark, version);
  // Ordered after `version`: a watch from it gets the bookmark.
  events_.push_back(
      {version + 1, std::make_shared<const std::string>(EventLine("BOOKMARK", bookmark))});
  cv_.notify_all();
}

void FakeCollection::Compact() {
  const std::lock_guard<std::mutex> lock(mu_);
  compacted_ = clock_->Current();
  cv_.notify_all();
}

void FakeCollection::DropWatches() {
  const std::lock_guard<std::mutex> lock(mu_);
  ++drop_generation_;
  cv_.notify_all();
}

void FakeCollection::CutNextEvent() {
  const std::lock_guard<std::mutex> lock(mu_);
  cut_next_event_ = true;
}

void FakeCollection::FailNext(int count, int status) {
  const std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

void FakeCollection::RequireToken(std::string token) {
  const std::lock_guard<std::mutex> lock(mu_);
  token_ = std::move(token);
}

void FakeCollection::SetOffline(bool offline) {
  const std::lock_guard<std::mutex> lock(mu_);
  offline_ = offline;
  cv_.notify_all();
}

std::vector<HttpRequest> FakeCollection::requests() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<HttpRequest> FakeCollection::watches() const {
  std::vector<HttpRequest> watches;
  for (HttpRequest& request : requests()) {
    if (request.Query("watch") == "1") watches.push_back(std::move(request));
  }
  return watches;
}

std::vector<HttpRequest> FakeCollection::lists() const {
  std::vector<HttpRequest> lists;
  for (HttpRequest& request : requests()) {
    if (request.Query("watch").empty()) lists.push_back(std::move(request));
  }
  return lists;
}

bool FakeCollection::WaitForWatches(size_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return watches_streaming_ >= count; });
}

bool FakeCollection::WaitForRequests(size_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return requests_.size() >= count; });
}

std::vector<std::string> FakeCollection::continue_tokens() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return continue_tokens_;
}

void FakeCollection::Handle(const HttpRequest& request, HttpResponder& out) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(request);
    cv_.notify_all();
    cv_.wait(lock, [&] { return !offline_ || stopping_; });
    if (stopping_) return;
    if (!token_.empty() && request.Header("authorization") != "Bearer " + token_) {
      lock.unlock();
      out.Send(401, StatusJson(401, "Unauthorized", "Unauthorized"));
      return;
    }
    if (fail_count_ > 0) {
      --fail_count_;
      const int status = fail_status_;
      lock.unlock();
      out.Send(status, StatusJson(status, "InternalError",
                                  "Internal error occurred: etcdserver: request timed out"));
      return;
    }
  }
  if (request.path != path_) {
    out.Send(404, StatusJson(404, "NotFound", "the server could not find the requested resource"));
  } else if (request.Query("watch") == "1") {
    Watch(request, out);
  } else {
    List(request, out);
  }
}

void FakeCollection::List(const HttpRequest& request, HttpResponder& out) {
  std::string body;
  int status = 200;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    size_t limit = 0;
    (void)absl::SimpleAtoi(request.Query("limit"), &limit);
    uint64_t version = clock_->Current();
    size_t offset = 0;
    if (const std::string token = request.Query("continue"); !token.empty()) {
      if (!ParseContinueToken(token, &version, &offset)) {
        status = 400;
        body = StatusJson(status, "BadRequest", "continue key is not valid");
      } else if (version < compacted_) {
        status = 410;
        body = StatusJson(status, "Expired", "The provided continue parameter is too old");
      }
    }
    if (body.empty()) {
      Struct list;
      auto& fields = *list.mutable_fields();
      fields["kind"].set_string_value(list_kind_);
      fields["apiVersion"].set_string_value(api_version_);
      Struct& metadata = *fields["metadata"].mutable_struct_value();
      (*metadata.mutable_fields())["resourceVersion"].set_string_value(absl::StrCat(version));
      ListValue& items = *fields["items"].mutable_list_value();
      size_t index = 0;
      for (const auto& [key, object] : objects_) {
        if (index++ < offset) continue;
        if (limit > 0 && static_cast<size_t>(items.values_size()) == limit) {
          const std::string next = ContinueToken(version, offset + limit);
          continue_tokens_.push_back(next);
          (*metadata.mutable_fields())["continue"].set_string_value(next);
          break;
        }
        Struct item = *object;
        // Items of built-in types' lists carry no kind or apiVersion.
        if (api_version_ == "v1") {
          item.mutable_fields()->erase("kind");
          item.mutable_fields()->erase("apiVersion");
        }
        *items.add_values()->mutable_struct_value() = std::move(item);
      }
      body = ToJson(list);
    }
  }
  out.Send(status, body);
}

void FakeCollection::Watch(const HttpRequest& request, HttpResponder& out) {
  uint64_t from = 0;
  int timeout_seconds = 1800;
  (void)absl::SimpleAtoi(request.Query("resourceVersion"), &from);
  (void)absl::SimpleAtoi(request.Query("timeoutSeconds"), &timeout_seconds);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);

  std::unique_lock<std::mutex> lock(mu_);
  const auto gone = [&] {
    return EventLine("ERROR", Parse(StatusJson(
                                  410, "Expired",
                                  absl::StrCat("too old resource version: ", from, " (",
                                               compacted_, ")"))));
  };
  // Taken when the watch counts as streaming: a DropWatches() or Compact()
  // after WaitForWatches() concerns it.
  const uint64_t drop_generation = drop_generation_;
  const uint64_t compacted = compacted_;
  ++watches_streaming_;
  cv_.notify_all();
  if (from < compacted_) {
    const std::string line = gone();
    lock.unlock();
    out.StartChunks(200) && out.Chunk(line) && out.EndChunks();
    return;
  }
  lock.unlock();
  if (!out.StartChunks(200)) return;
  lock.lock();
  // History is append-only, so an index stays valid while unlocked.
  size_t next = std::partition_point(events_.begin(), events_.end(),
                                     [&](const Event& event) { return event.version <= from; }) -
                events_.begin();
  for (;;) {
    if (stopping_ || drop_generation_ != drop_generation) return;  // cut: no last chunk
    if (compacted_ != compacted) {
      const std::string line = gone();
      lock.unlock();
      out.Chunk(line) && out.EndChunks();
      return;
    }
    if (next < events_.size()) {
      const std::shared_ptr<const std::string> line = events_[next++].line;
      if (cut_next_event_) {
        cut_next_event_ = false;
        lock.unlock();
        out.WriteRaw(absl::StrFormat("%x\r\n", line->size()));
        out.WriteRaw(absl::string_view(*line).substr(0, line->size() / 2));
        return;
      }
      lock.unlock();
      if (!out.Chunk(*line)) return;
      lock.lock();
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      out.EndChunks();
      return;
    }
    // Woken by every change (Record notifies): no polling.
    cv_.wait_until(lock, deadline);
  }
}

}  // namespace nsfence::kube::testing
