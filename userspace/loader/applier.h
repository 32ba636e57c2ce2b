// Moves the kernel from one KernelState to another without a moment in which
// a half-applied policy decides a flow.
//
// Map entries are immutable in meaning: a rule entry (ruleset, peer) is a pure
// function of the ruleset's policies and the peer's labels or prefix, because
// a changed policy gets a new ruleset id and a relabelled namespace a new
// identity. So new entries are written before anything refers to them, the
// switch to them is one write per namespace or address, and old entries are
// removed only once nothing refers to them:
//
//   1 rules and rule ranges added  (unreachable until an identity points at them)
//   2 prefixes added               (old rulesets already hold entries for them)
//   3 identities written           (each namespace switches ruleset in one write)
//   4 pod addresses written
//   5 endpoints written            (each pod cgroup switches identity in one write)
//   then removals in reverse: endpoints, pod addresses, prefixes, identities,
//   rules and rule ranges
#ifndef NSFENCE_LOADER_APPLIER_H_
#define NSFENCE_LOADER_APPLIER_H_

#include <cstddef>

#include "absl/status/status.h"
#include "loader/kernel_state.h"
#include "loader/segmentation_maps.h"

namespace nsfence::loader {

struct ApplyStats {
  size_t writes = 0;
  size_t deletes = 0;
};

// Writes the difference from `current` to `desired`. On error, `current` is
// updated to what the kernel holds, so a retry starts from the truth.
absl::Status Apply(const KernelState& desired, const SegmentationMaps& maps, KernelState* current,
                   ApplyStats* stats);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_APPLIER_H_
