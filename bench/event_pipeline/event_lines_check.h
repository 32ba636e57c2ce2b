// What the agent printed for the flood must be the events it stands for:
// JSON lines of kind network, blocked egress UDP from flood-a/source to
// flood-b/sink under the flood policy, one violation each.
#ifndef NSFENCE_BENCH_EVENT_PIPELINE_EVENT_LINES_CHECK_H_
#define NSFENCE_BENCH_EVENT_PIPELINE_EVENT_LINES_CHECK_H_

#include <string>
#include <vector>

namespace nsfence::bench {

// One problem per line that is not such an event; empty when all are.
std::vector<std::string> CheckFloodEventLines(const std::vector<std::string>& lines);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_EVENT_PIPELINE_EVENT_LINES_CHECK_H_
