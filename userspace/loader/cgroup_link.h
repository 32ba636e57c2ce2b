// Cgroup links pinned in bpffs, so enforcement outlives the agent: a new
// link is pinned, a pinned one (an earlier agent's) gets the new program
// swapped in with one atomic bpf_link_update.
#ifndef NSFENCE_LOADER_CGROUP_LINK_H_
#define NSFENCE_LOADER_CGROUP_LINK_H_

#include <string>

#include "absl/status/statusor.h"

struct bpf_link;
struct bpf_program;

namespace nsfence::loader {

struct CgroupLink {
  bpf_link* link = nullptr;  // nullptr: nothing pinned and adopt_only
  bool adopted = false;      // swapped into an earlier agent's pinned link
};

// Attaches `prog` to the cgroup directory `cgroup` with a link pinned at
// `pin`, or adopts the link pinned there (checked to be a cgroup link of
// `prog`'s attach type on that cgroup). With `adopt_only`, only adopts.
absl::StatusOr<CgroupLink> AttachCgroupLink(bpf_program* prog, const std::string& cgroup,
                                            const std::string& pin, bool adopt_only);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_CGROUP_LINK_H_
