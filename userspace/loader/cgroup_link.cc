#include "loader/cgroup_link.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace nsfence::loader {
namespace {

absl::Status CheckAdoptable(int link_fd, const std::string& path, uint64_t cgroup_id,
                            bpf_attach_type type) {
  bpf_link_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(link_fd, &info, &len) != 0) {
    return ErrnoStatus(errno, absl::StrCat("reading pinned link ", path));
  }
  if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.attach_type != type) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pinned link ", path, " is not a cgroup link of the expected type; remove it or use another --bpffs"));
  }
  if (info.cgroup.cgroup_id != cgroup_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pinned link ", path, " is attached to cgroup id ", info.cgroup.cgroup_id,
        ", not to --cgroup-root (id ", cgroup_id,
        "); stop the agent that owns it (nsfence-agent without --keep-enforcement-on-exit) "
        "or use another --bpffs"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bpf_link*> Adopt(bpf_program* prog, const std::string& pin, uint64_t cgroup_id) {
  bpf_link* link = bpf_link__open(pin.c_str());
  if (link == nullptr) return ErrnoStatus(errno, absl::StrCat("opening pinned link ", pin));
  absl::Status status = CheckAdoptable(bpf_link__fd(link), pin, cgroup_id, bpf_program__expected_attach_type(prog));
  if (status.ok() && bpf_link__update_program(link, prog) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("swapping ", bpf_program__name(prog), " into ", pin));
  }
  if (!status.ok()) {
    bpf_link__destroy(link);
    return status;
  }
  return link;
}

}  // namespace

absl::StatusOr<CgroupLink> AttachCgroupLink(bpf_program* prog, const std::string& cgroup,
                                            const std::string& pin, bool adopt_only) {
  NSF_ASSIGN_OR_RETURN(const uint64_t cgroup_id, cgroup::Id(cgroup));
  if (access(pin.c_str(), F_OK) == 0) {
    NSF_ASSIGN_OR_RETURN(bpf_link* link, Adopt(prog, pin, cgroup_id));
    return CgroupLink{.link = link, .adopted = true};
  }
  if (adopt_only) return CgroupLink{};
  const int cgroup_fd = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) return ErrnoStatus(errno, absl::StrCat("opening --cgroup-root ", cgroup));
  bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
  const int attach_errno = errno;
  close(cgroup_fd);
  if (link == nullptr) {
    return ErrnoStatus(attach_errno, absl::StrCat("attaching ", bpf_program__name(prog), " to ", cgroup));
  }
  if (bpf_link__pin(link, pin.c_str()) != 0) {
    const absl::Status status = ErrnoStatus(errno, absl::StrCat("pinning link ", pin));
    bpf_link__destroy(link);
    return status;
  }
  return CgroupLink{.link = link};
}

}  // namespace nsfence::loader
