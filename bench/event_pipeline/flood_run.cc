#include "flood_run.h"

#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bench_text.h"
#include "support/testbed/command.h"

namespace nsfence::bench {
namespace {

// Beyond the flood's own duration: process start and exit.
constexpr absl::Duration kSlack = absl::Seconds(30);

}  // namespace

absl::StatusOr<FloodResult> RunFlood(const testbed::Pod& source, const testbed::Pod& sink,
                                     const std::string& load_binary, const FloodRequest& request) {
  std::vector<std::string> argv = {load_binary,
                                   "udp-flood",
                                   sink.ipv4().ToString(),
                                   "--rate",
                                   absl::StrCat(request.rate),
                                   "--seconds",
                                   absl::StrCat(absl::ToDoubleSeconds(request.duration))};
  if (request.cpu >= 0) {
    argv.emplace_back("--cpu");
    argv.push_back(absl::StrCat(request.cpu));
  }
  absl::StatusOr<testbed::CommandResult> run =
      testbed::RunCommand(source.CommandLine(argv), {.timeout = request.duration + kSlack});
  if (!run.ok()) return run.status();
  const std::map<std::string, std::string> values =
      KeyValuesOf(absl::StripAsciiWhitespace(run->stdout_text));
  FloodResult r;
  const auto number = [&](const char* key, auto* out) {
    const auto it = values.find(key);
    return it != values.end() && absl::SimpleAtoi(it->second, out);
  };
  const auto seconds = values.find("seconds");
  if (!number("sends", &r.sends) || !number("sent", &r.sent) || !number("denied", &r.denied) ||
      !number("errors", &r.errors) || !number("start_ns", &r.start_ns) ||
      !number("end_ns", &r.end_ns) || seconds == values.end() ||
      !absl::SimpleAtod(seconds->second, &r.seconds)) {
    return absl::InternalError(absl::StrCat("the flood generator (", run->exit.ToString(),
                                            ") printed \"", run->stdout_text, "\", stderr: ",
                                            run->stderr_text));
  }
  if (const auto it = values.find("first_error"); it != values.end()) r.first_error = it->second;
  return r;
}

}  // namespace nsfence::bench
