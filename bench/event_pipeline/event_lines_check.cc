#include "event_lines_check.h"

#include "absl/strings/str_cat.h"
#include "events/events.pb.h"
#include "flood_testbed.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::bench {
namespace {

// Empty when `e` is a flood event.
std::string Mismatch(const events::Event& e) {
  const auto differs = [](const std::string& field, const std::string& got, const std::string& want) {
    return got == want ? "" : absl::StrCat(field, " is \"", got, "\", expected \"", want, "\"");
  };
  for (std::string m : {differs("kind", e.kind(), "network"), differs("action", e.action(), "blocked"),
                        differs("direction", e.direction(), "egress"),
                        differs("protocol", e.protocol(), "udp"),
                        differs("namespace", e.namespace_(), kFloodNamespace),
                        differs("pod", e.pod(), kFloodPod),
                        differs("peer_namespace", e.peer_namespace(), kSinkNamespace),
                        differs("peer_pod", e.peer_pod(), kSinkPod),
                        differs("policy", e.policy(), kFloodPolicy)}) {
    if (!m.empty()) return m;
  }
  if (e.count() != 1) return absl::StrCat("count is ", e.count(), ", expected 1");
  if (!e.has_time() || e.dst().empty() || e.src().empty()) return "time, src or dst missing";
  return "";
}

}  // namespace

std::vector<std::string> CheckFloodEventLines(const std::vector<std::string>& lines) {
  std::vector<std::string> problems;
  for (const std::string& line : lines) {
    events::Event event;
    const auto parsed = google::protobuf::util::JsonStringToMessage(line, &event);
    std::string why = parsed.ok() ? Mismatch(event) : absl::StrCat("not JSON of an Event: ", parsed.ToString());
    if (!why.empty()) problems.push_back(absl::StrCat("stdout line ", line, ": ", why));
  }
  return problems;
}

}  // namespace nsfence::bench
