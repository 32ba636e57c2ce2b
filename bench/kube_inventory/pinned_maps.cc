#include "pinned_maps.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "nsfence/abi.h"

namespace nsfence::bench {

absl::StatusOr<PinnedMap> PinnedMap::Open(const std::string& bpffs_dir, const std::string& name) {
  const std::string pin = absl::StrCat(bpffs_dir, "/maps/", name);
  const int fd = bpf_obj_get(pin.c_str());
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening pinned map ", pin));
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(error, absl::StrCat("reading the info of pinned map ", pin));
  }
  return PinnedMap(fd, info.key_size, info.value_size, name);
}

PinnedMap::PinnedMap(PinnedMap&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      key_size_(other.key_size_),
      value_size_(other.value_size_),
      name_(std::move(other.name_)) {}

PinnedMap::~PinnedMap() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<size_t> PinnedMap::Count() const {
  std::vector<unsigned char> key(key_size_), next(key_size_);
  size_t count = 0;
  const void* previous = nullptr;  // null: the first key
  while (bpf_map_get_next_key(fd_, previous, next.data()) == 0) {
    ++count;
    key.swap(next);
    previous = key.data();
  }
  if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("walking ", name_));
  return count;
}

bool PinnedMap::Lookup(const void* key, void* value) const { return bpf_map_lookup_elem(fd_, key, value) == 0; }

absl::StatusOr<std::set<uint32_t>> PinnedMap::Keys32() const {
  if (key_size_ != sizeof(uint32_t)) {
    return absl::FailedPreconditionError(absl::StrCat(name_, " has ", key_size_, "-byte keys, not 4"));
  }
  std::set<uint32_t> keys;
  uint32_t key = 0, next = 0;
  const uint32_t* previous = nullptr;
  while (bpf_map_get_next_key(fd_, previous, &next) == 0) {
    keys.insert(next);
    key = next;
    previous = &key;
  }
  if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("walking ", name_));
  return keys;
}

absl::StatusOr<PolicyMaps> PolicyMaps::Open(const std::string& bpffs_dir) {
  NSF_ASSIGN_OR_RETURN(PinnedMap endpoints, PinnedMap::Open(bpffs_dir, "nsf_endpoints"));
  NSF_ASSIGN_OR_RETURN(PinnedMap identities, PinnedMap::Open(bpffs_dir, "nsf_identities"));
  if (endpoints.key_size() != sizeof(uint64_t) || endpoints.value_size() != sizeof(nsfence_endpoint)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "nsf_endpoints has ", endpoints.key_size(), "-byte keys and ", endpoints.value_size(),
        "-byte values; this benchmark reads 8 and ", sizeof(nsfence_endpoint), " (bpf/include/nsfence/abi.h)"));
  }
  return PolicyMaps(std::move(endpoints), std::move(identities));
}

std::optional<uint32_t> PolicyMaps::EndpointIdentity(uint64_t cgroup_id) const {
  nsfence_endpoint endpoint{};
  if (!endpoints_.Lookup(&cgroup_id, &endpoint)) return std::nullopt;
  return endpoint.identity;
}

}  // namespace nsfence::bench
