#include "cli/release.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "cli/status.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::cli {
namespace {

constexpr char kUsage[] = "usage: nsfencectl release NAMESPACE/POD [--socket PATH]";

bool IsPodName(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  return parts.size() == 2 && !parts[0].empty() && !parts[1].empty();
}

}  // namespace

int RunRelease(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string path = kDefaultAdminSocket;
  std::string pod;
  for (size_t i = 0; i < args.size(); ++i) {
    if (ReadSocketFlag(args, &i, &path)) continue;
    if (!pod.empty() || !IsPodName(args[i])) {
      err << "nsfencectl release: unexpected argument \"" << args[i] << "\" (" << kUsage << ")\n";
      return 2;
    }
    pod = args[i];
  }
  if (pod.empty()) {
    err << "nsfencectl release: which pod? (" << kUsage << ")\n";
    return 2;
  }
  const absl::StatusOr<std::string> answer = AskAgent(path, "release " + pod);
  if (!answer.ok()) {
    err << "nsfencectl release: " << answer.status().message() << "\n";
    return 1;
  }
  google::protobuf::Struct reply;
  if (!google::protobuf::util::JsonStringToMessage(*answer, &reply).ok()) {
    err << "nsfencectl release: the agent answered " << *answer << "\n";
    return 1;
  }
  const auto& fields = reply.fields();
  if (const auto released = fields.find("released"); released != fields.end()) {
    out << "released " << released->second.string_value() << "\n";
    return 0;
  }
  const auto error = fields.find("error");
  err << "nsfencectl release: " << (error != fields.end() ? error->second.string_value() : *answer) << "\n";
  return 1;
}

}  // namespace nsfence::cli
