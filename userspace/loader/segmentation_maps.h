// The maps the segmentation programs decide with (see bpf/lib/maps.h).
#ifndef NSFENCE_LOADER_SEGMENTATION_MAPS_H_
#define NSFENCE_LOADER_SEGMENTATION_MAPS_H_

#include "loader/map_io.h"
#include "nsfence/abi.h"

namespace nsfence::loader {

struct SegmentationMaps {
  MapIo* endpoints = nullptr;    // __u64 cgroup id -> nsfence_endpoint
  MapIo* pod_addrs = nullptr;    // nsfence_addr_key -> nsfence_peer (hash)
  MapIo* peers = nullptr;        // nsfence_peer_key -> nsfence_peer (LPM, prefixes)
  MapIo* identities = nullptr;   // __u32 identity -> nsfence_identity
  MapIo* rules = nullptr;        // nsfence_rule_key -> nsfence_rule (hash)
  MapIo* rule_ranges = nullptr;  // nsfence_rule_key -> nsfence_rule (LPM)
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_SEGMENTATION_MAPS_H_
