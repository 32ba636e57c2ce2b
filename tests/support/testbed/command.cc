#include "support/testbed/command.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "support/testbed/background_process.h"

namespace nsfence::testbed {
namespace {

// Output of programs that leave a child holding the pipes open is not
// waited for longer than this after they exit.
constexpr absl::Duration kOutputGrace = absl::Seconds(1);

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const CommandOptions& options) {
  NSF_ASSIGN_OR_RETURN(BackgroundProcess process,
                       BackgroundProcess::Start(argv, options.stdin_text));
  const std::optional<ExitStatus> exit = process.Wait(options.timeout);
  if (!exit.has_value()) {
    process.Kill();
    return absl::DeadlineExceededError(
        absl::StrCat("`", absl::StrJoin(argv, " "), "` did not finish within ",
                     absl::FormatDuration(options.timeout), "; stderr: ", process.StderrText()));
  }
  process.WaitForOutputEnd(kOutputGrace);
  return CommandResult{
      .exit = *exit, .stdout_text = process.StdoutText(), .stderr_text = process.StderrText()};
}

absl::Status RunSuccessfully(const std::vector<std::string>& argv, const CommandOptions& options) {
  NSF_ASSIGN_OR_RETURN(CommandResult result, RunCommand(argv, options));
  if (result.exit.success()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "`", absl::StrJoin(argv, " "), "` failed (", result.exit.ToString(),
      "): ", absl::StripTrailingAsciiWhitespace(result.stderr_text),
      options.stdin_text.empty() ? "" : absl::StrCat("; its input was:\n", options.stdin_text)));
}

}  // namespace nsfence::testbed
