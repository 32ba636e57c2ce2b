#include "fake_apiserver.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "api_objects.h"
#include "kube/objects.h"

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

FakeApiServer::FakeApiServer(std::string path, std::string list_kind, std::string api_version)
    : path_(std::move(path)), list_kind_(std::move(list_kind)),
      api_version_(std::move(api_version)) {
  http_ = std::make_unique<TestHttpServer>(
      [this](const HttpRequest& request, HttpResponder& out) { Handle(request, out); });
}

FakeApiServer::~FakeApiServer() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  http_.reset();
}

std::string FakeApiServer::Record(std::string type, Struct object) {
  const uint64_t version = ++version_;
  SetResourceVersion(&object, version);
  auto shared = std::make_shared<const Struct>(std::move(object));
  if (type == "DELETED") {
    objects_.erase(ObjectKey(*shared));
  } else {
    objects_[ObjectKey(*shared)] = shared;
  }
  events_.push_back({version, std::move(type), std::move(shared)});
  cv_.notify_all();
  return absl::StrCat(version);
}

std::string FakeApiServer::Add(Struct object) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("ADDED", std::move(object));
}

std::string FakeApiServer::Modify(Struct object) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("MODIFIED", std::move(object));
}

std::string FakeApiServer::Remove(const std::string& key) {
  const std::lock_guard<std::mutex> lock(mu_);
  return Record("DELETED", *objects_.at(key));
}

std::string FakeApiServer::AdvanceVersion() {
  const std::lock_guard<std::mutex> lock(mu_);
  return absl::StrCat(++version_);
}

void FakeApiServer::Bookmark() {
  const std::lock_guard<std::mutex> lock(mu_);
  auto bookmark = std::make_shared<Struct>();
  (*bookmark->mutable_fields())["kind"].set_string_value(list_kind_.substr(0, list_kind_.size() - 4));
  (*bookmark->mutable_fields())["apiVersion"].set_string_value(api_version_);
  SetResourceVersion(bookmark.get(), version_);
  events_.push_back({version_ + 1, "BOOKMARK", std::move(bookmark)});  // after `version_`
  cv_.notify_all();
}

void FakeApiServer::Compact() {
  const std::lock_guard<std::mutex> lock(mu_);
  compacted_ = version_;
  cv_.notify_all();
}

void FakeApiServer::DropWatches() {
  const std::lock_guard<std::mutex> lock(mu_);
  ++drop_generation_;
  cv_.notify_all();
}

void FakeApiServer::CutNextEvent() {
  const std::lock_guard<std::mutex> lock(mu_);
  cut_next_event_ = true;
}

void FakeApiServer::FailNext(int count, int status) {
  const std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

void FakeApiServer::RequireToken(std::string token) {
  const std::lock_guard<std::mutex> lock(mu_);
  token_ = std::move(token);
}

void FakeApiServer::SetOffline(bool offline) {
  const std::lock_guard<std::mutex> lock(mu_);
  offline_ = offline;
  cv_.notify_all();
}

std::vector<HttpRequest> FakeApiServer::requests() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<HttpRequest> FakeApiServer::watches() const {
  std::vector<HttpRequest> watches;
  for (HttpRequest& request : requests()) {
    if (request.Query("watch") == "1") watches.push_back(std::move(request));
  }
  return watches;
}

std::vector<HttpRequest> FakeApiServer::lists() const {
  std::vector<HttpRequest> lists;
  for (HttpRequest& request : requests()) {
    if (request.Query("watch").empty()) lists.push_back(std::move(request));
  }
  return lists;
}

bool FakeApiServer::WaitForWatches(size_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return watches_streaming_ >= count; });
}

bool FakeApiServer::WaitForRequests(size_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return requests_.size() >= count; });
}

std::vector<std::string> FakeApiServer::continue_tokens() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return continue_tokens_;
}

std::string FakeApiServer::StatusJson(int code, const std::string& reason,
                                      const std::string& message) {
  return absl::StrCat(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)",
                      R"("message":")", message, R"(","reason":")", reason, R"(","code":)", code,
                      "}");
}

void FakeApiServer::Handle(const HttpRequest& request, HttpResponder& out) {
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

void FakeApiServer::List(const HttpRequest& request, HttpResponder& out) {
  std::string body;
  int status = 200;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    size_t limit = 0;
    (void)absl::SimpleAtoi(request.Query("limit"), &limit);
    uint64_t version = version_;
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

void FakeApiServer::Watch(const HttpRequest& request, HttpResponder& out) {
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
  size_t next = 0;
  while (next < events_.size() && events_[next].version <= from) ++next;
  for (;;) {
    if (stopping_ || drop_generation_ != drop_generation) return;  // cut: no last chunk
    if (compacted_ != compacted) {
      const std::string line = gone();
      lock.unlock();
      out.Chunk(line) && out.EndChunks();
      return;
    }
    if (next < events_.size()) {
      const Event& event = events_[next++];
      const std::string line = EventLine(event.type, *event.object);
      if (cut_next_event_) {
        cut_next_event_ = false;
        lock.unlock();
        out.WriteRaw(absl::StrFormat("%x\r\n", line.size()));
        out.WriteRaw(absl::string_view(line).substr(0, line.size() / 2));
        return;
      }
      lock.unlock();
      if (!out.Chunk(line)) return;
      lock.lock();
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      out.EndChunks();
      return;
    }
    cv_.wait_until(lock, deadline);
  }
}

}  // namespace nsfence::kube::testing
