// An in-memory MapIo that records the order of writes and deletes, so tests
// can check what the kernel would see, and when.
#ifndef NSFENCE_TESTS_UNIT_LOADER_FAKE_MAP_H_
#define NSFENCE_TESTS_UNIT_LOADER_FAKE_MAP_H_

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "loader/map_io.h"

namespace nsfence::loader {

struct MapOp {
  std::string map;
  bool write = true;  // false: delete
  std::string key;    // raw bytes
};

class FakeMap final : public MapIo {
 public:
  FakeMap(std::string name, size_t key_size, size_t value_size, std::vector<MapOp>* log,
          size_t max_entries = 1 << 20)
      : name_(std::move(name)), key_size_(key_size), value_size_(value_size),
        max_entries_(max_entries), log_(log) {}

  const std::string& name() const override { return name_; }
  size_t key_size() const override { return key_size_; }
  size_t value_size() const override { return value_size_; }
  size_t max_entries() const override { return max_entries_; }

  absl::Status Update(const void* key, const void* value) override {
    const std::string k = Key(key);
    if (!entries_.contains(k) && entries_.size() >= max_entries_) {
      return absl::ResourceExhaustedError("map " + name_ + " is full");
    }
    entries_[k] = std::string(static_cast<const char*>(value), value_size_);
    if (log_) log_->push_back({name_, true, k});
    return absl::OkStatus();
  }
  absl::Status Delete(const void* key) override {
    if (entries_.erase(Key(key)) == 0) return absl::NotFoundError("no such key");
    if (log_) log_->push_back({name_, false, Key(key)});
    return absl::OkStatus();
  }
  absl::StatusOr<bool> Lookup(const void* key, void* value) const override {
    const auto it = entries_.find(Key(key));
    if (it == entries_.end()) return false;
    std::memcpy(value, it->second.data(), value_size_);
    return true;
  }
  absl::Status ForEach(const std::function<void(const void*, const void*)>& fn) const override {
    for (const auto& [k, v] : entries_) fn(k.data(), v.data());
    return absl::OkStatus();
  }

  size_t size() const { return entries_.size(); }

 private:
  std::string Key(const void* key) const { return std::string(static_cast<const char*>(key), key_size_); }

  std::string name_;
  size_t key_size_, value_size_, max_entries_;
  std::vector<MapOp>* log_;
  std::map<std::string, std::string> entries_;
};

}  // namespace nsfence::loader

#endif  // NSFENCE_TESTS_UNIT_LOADER_FAKE_MAP_H_
