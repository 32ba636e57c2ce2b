// Reads spec.response (policy/model.h ResponseRule): a list of
//   - when: {kind: network|tls|privileged|device, count: N, within: 60s}
//     action: quarantine | kill-pod-processes
// count defaults to 1 and within to 60s; within is a duration of whole
// seconds ("90s", "5m", "1h") from 1s to 24h.
#ifndef NSFENCE_POLICY_RESPONSE_PARSER_H_
#define NSFENCE_POLICY_RESPONSE_PARSER_H_

#include <vector>

#include "common/yaml_fields.h"
#include "policy/model.h"

namespace nsfence::policy {

// Bounds the times a window holds per pod and rule.
inline constexpr uint32_t kMaxResponseCount = 10000;
inline constexpr absl::Duration kMaxResponseWindow = absl::Hours(24);

// Problems go to `reader`'s diagnostics; what could be read is returned.
std::vector<ResponseRule> ParseResponse(YamlReader& reader, const YamlValue& value);

// "network", "quarantine", ...: as policies spell them.
const char* ViolationKindName(ViolationKind kind);
const char* ResponseActionName(ResponseAction action);

}  // namespace nsfence::policy

#endif  // NSFENCE_POLICY_RESPONSE_PARSER_H_
