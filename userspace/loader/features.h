// What the running kernel can do, probed at start so that a missing feature
// is one clear error naming it rather than a verifier log.
#ifndef NSFENCE_LOADER_FEATURES_H_
#define NSFENCE_LOADER_FEATURES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nsfence::loader {

struct FeatureProbe {
  std::string name;        // e.g. "BPF ring buffer"
  std::string needed_for;  // e.g. "reporting violations"
  bool available = false;
};

// Probes everything the datapath needs: segmentation, the TLS floor and the
// container guard (BPF LSM is probed apart: it is optional).
std::vector<FeatureProbe> ProbeDatapathFeatures();

// OK when every probe is available; else FailedPrecondition naming each
// missing feature and what needs it.
absl::Status RequireAll(const std::vector<FeatureProbe>& probes);

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_FEATURES_H_
