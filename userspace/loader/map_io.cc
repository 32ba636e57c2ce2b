#include "loader/map_io.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::loader {

absl::StatusOr<BpfMapIo> BpfMapIo::FromFd(int fd) {
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    return ErrnoStatus(errno, absl::StrCat("reading info of map fd ", fd));
  }
  return BpfMapIo(fd, info.name, info.key_size, info.value_size, info.max_entries);
}

absl::Status BpfMapIo::Update(const void* key, const void* value) {
  if (bpf_map_update_elem(fd_, key, value, BPF_ANY) != 0) {
    const int err = errno;
    if (err == E2BIG || err == ENOMEM || err == ENOSPC) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "map ", name_, " is full (", max_entries_, " entries): ", std::strerror(err),
          "; raise its size or reduce the inventory"));
    }
    return ErrnoStatus(err, absl::StrCat("updating map ", name_));
  }
  return absl::OkStatus();
}

absl::Status BpfMapIo::Delete(const void* key) {
  if (bpf_map_delete_elem(fd_, key) != 0) {
    return ErrnoStatus(errno, absl::StrCat("deleting from map ", name_));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> BpfMapIo::Lookup(const void* key, void* value) const {
  if (bpf_map_lookup_elem(fd_, key, value) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoStatus(errno, absl::StrCat("looking up map ", name_));
}

absl::Status BpfMapIo::ForEach(const std::function<void(const void*, const void*)>& fn) const {
  std::vector<unsigned char> key(key_size_), next(key_size_), value(value_size_);
  const void* prev = nullptr;  // NULL asks for the first key
  while (bpf_map_get_next_key(fd_, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd_, next.data(), value.data()) == 0) fn(next.data(), value.data());
    else if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("reading map ", name_));
    key.swap(next);
    prev = key.data();
  }
  if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("iterating map ", name_));
  return absl::OkStatus();
}

}  // namespace nsfence::loader
