// Typed access to one BPF map, behind an interface so that the code deciding
// what to write (registry, applier) is tested without a kernel.
#ifndef NSFENCE_LOADER_MAP_IO_H_
#define NSFENCE_LOADER_MAP_IO_H_

#include <cstddef>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nsfence::loader {

// Raw key/value access to one map; sizes are the map's own.
class MapIo {
 public:
  virtual ~MapIo() = default;
  virtual const std::string& name() const = 0;
  virtual size_t key_size() const = 0;
  virtual size_t value_size() const = 0;
  virtual size_t max_entries() const = 0;
  virtual absl::Status Update(const void* key, const void* value) = 0;
  // NotFound when absent.
  virtual absl::Status Delete(const void* key) = 0;
  // False when absent.
  virtual absl::StatusOr<bool> Lookup(const void* key, void* value) const = 0;
  // Calls fn for every entry; the map must not change meanwhile.
  virtual absl::Status ForEach(const std::function<void(const void* key, const void* value)>& fn) const = 0;
};

// A MapIo on a kernel map file descriptor (not owned).
class BpfMapIo final : public MapIo {
 public:
  // Reads the map's name and sizes from the kernel.
  static absl::StatusOr<BpfMapIo> FromFd(int fd);

  const std::string& name() const override { return name_; }
  size_t key_size() const override { return key_size_; }
  size_t value_size() const override { return value_size_; }
  size_t max_entries() const override { return max_entries_; }
  absl::Status Update(const void* key, const void* value) override;
  absl::Status Delete(const void* key) override;
  absl::StatusOr<bool> Lookup(const void* key, void* value) const override;
  absl::Status ForEach(const std::function<void(const void*, const void*)>& fn) const override;

 private:
  BpfMapIo(int fd, std::string name, size_t key_size, size_t value_size, size_t max_entries)
      : fd_(fd), name_(std::move(name)), key_size_(key_size), value_size_(value_size),
        max_entries_(max_entries) {}

  int fd_;
  std::string name_;
  size_t key_size_;
  size_t value_size_;
  size_t max_entries_;
};

// Typed view: K and V must be the map's key and value structs from abi.h.
template <typename K, typename V>
class TypedMap {
 public:
  explicit TypedMap(MapIo* io) : io_(io) {}

  absl::Status Update(const K& key, const V& value) { return io_->Update(&key, &value); }
  absl::Status Delete(const K& key) { return io_->Delete(&key); }
  absl::StatusOr<std::optional<V>> Lookup(const K& key) const {
    V value{};
    absl::StatusOr<bool> found = io_->Lookup(&key, &value);
    if (!found.ok()) return found.status();
    if (!*found) return std::optional<V>();
    return std::optional<V>(value);
  }
  absl::Status ForEach(const std::function<void(const K&, const V&)>& fn) const {
    return io_->ForEach([&](const void* k, const void* v) {
      K key;
      V value;
      std::memcpy(&key, k, sizeof(K));
      std::memcpy(&value, v, sizeof(V));
      fn(key, value);
    });
  }
  MapIo* io() const { return io_; }

 private:
  MapIo* io_;
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_MAP_IO_H_
