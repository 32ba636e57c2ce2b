#include "loader/registry.h"

#include <algorithm>
#include <cstring>

#include "common/status_macros.h"

namespace nsfence::loader {
namespace {

nsfence_registry_key MakeKey(uint32_t kind, uint32_t id) {
  nsfence_registry_key key{};
  key.kind = kind;
  key.id = id;
  return key;
}

}  // namespace

absl::Status Registry::Load() {
  TypedMap<nsfence_registry_key, nsfence_registry_value> map(map_);
  return map.ForEach([&](const nsfence_registry_key& key, const nsfence_registry_value& value) {
    Entry e;
    e.content_hash = value.content_hash;
    e.name.assign(value.name, strnlen(value.name, sizeof(value.name)));
    e.persisted = true;
    entries_[{key.kind, key.id}] = e;
    by_content_[{key.kind, value.content_hash}] = key.id;
    next_id_ = std::max(next_id_, key.id + 1);
  });
}

uint32_t Registry::Assign(nsfence_registry_kind kind, uint64_t content_hash,
                          absl::string_view name) {
  auto [it, inserted] = by_content_.try_emplace({kind, content_hash}, next_id_);
  if (inserted) {
    ++next_id_;
    Entry e;
    e.content_hash = content_hash;
    e.name = std::string(name.substr(0, NSFENCE_NAME_LEN - 1));
    entries_[{kind, it->second}] = std::move(e);
  }
  Entry& e = entries_[{kind, it->second}];
  e.round = round_;
  e.unused_since.reset();
  return it->second;
}

absl::Status Registry::Persist() {
  TypedMap<nsfence_registry_key, nsfence_registry_value> map(map_);
  for (auto& [key, e] : entries_) {
    if (e.persisted) continue;
    nsfence_registry_value value{};
    value.content_hash = e.content_hash;
    std::memcpy(value.name, e.name.data(), e.name.size());
    NSF_RETURN_IF_ERROR(map.Update(MakeKey(key.first, key.second), value));
    e.persisted = true;
  }
  return absl::OkStatus();
}

absl::Status Registry::Release(absl::Time now, absl::Duration grace) {
  TypedMap<nsfence_registry_key, nsfence_registry_value> map(map_);
  std::vector<Key> expired;
  for (auto& [key, e] : entries_) {
    if (e.round == round_) continue;
    if (!e.unused_since) e.unused_since = now;
    if (now - *e.unused_since >= grace) expired.push_back(key);
  }
  for (const Key& key : expired) {
    const Entry& e = entries_[key];
    if (e.persisted) {
      absl::Status s = map.Delete(MakeKey(key.first, key.second));
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
    by_content_.erase({key.first, e.content_hash});
    entries_.erase(key);
  }
  return absl::OkStatus();
}

std::optional<std::string> Registry::Name(nsfence_registry_kind kind, uint32_t id) const {
  const auto it = entries_.find({static_cast<uint32_t>(kind), id});
  if (it == entries_.end()) return std::nullopt;
  return it->second.name;
}

}  // namespace nsfence::loader
