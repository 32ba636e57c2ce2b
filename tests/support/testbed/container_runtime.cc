#include "support/testbed/container_runtime.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "support/testbed/busybox_rootfs.h"
#include "support/testbed/container_sweep.h"
#include "support/testbed/legacy_cgroups.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

constexpr char kRunc[] = "runc";
// For runc calls that only read or remove state.
constexpr absl::Duration kRuncQuick = absl::Seconds(10);
// `runc run` ends once its container is deleted.
constexpr absl::Duration kRunEnds = absl::Seconds(10);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

// Tells apart the containers of one process, across runtimes.
std::atomic<int> next_container{0};

// The value of "key" in runc's JSON (a string without escapes, or a number).
std::optional<std::string> JsonValue(absl::string_view json, absl::string_view key) {
  const std::string quoted = absl::StrCat("\"", key, "\"");
  const size_t at = json.find(quoted);
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(json.substr(at + quoted.size()));
  if (!absl::ConsumePrefix(&rest, ":")) return std::nullopt;
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (absl::ConsumePrefix(&rest, "\"")) {
    const size_t end = rest.find('"');
    if (end == absl::string_view::npos) return std::nullopt;
    return std::string(rest.substr(0, end));
  }
  size_t end = 0;
  while (end < rest.size() && absl::ascii_isdigit(rest[end])) ++end;
  if (end == 0) return std::nullopt;
  return std::string(rest.substr(0, end));
}

absl::Status WriteText(const std::string& path, absl::string_view text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out.good()) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// A container name as runc ids allow it.
absl::Status CheckName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("a container needs a name");
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("container name \"", name, "\": only letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ContainerRuntime::CheckTools() {
  absl::StatusOr<CommandResult> version = RunCommand({kRunc, "--version"}, {.timeout = kRuncQuick});
  if (!version.ok() || !version->exit.success()) {
    return absl::FailedPreconditionError(
        absl::StrCat("runc is missing or broken (apt-get install runc): ",
                     version.ok() ? version->stderr_text : version.status().ToString()));
  }
  return SharedBusyboxRootfs().status();
}

absl::StatusOr<std::unique_ptr<ContainerRuntime>> ContainerRuntime::Create() {
  NSF_RETURN_IF_ERROR(CheckTools());
  SweepContainerLeftovers();
  NSF_ASSIGN_OR_RETURN(std::string rootfs, SharedBusyboxRootfs());
  std::string dir_template = absl::StrCat(fs::temp_directory_path().string(), "/",
                                          kRuntimeScratchPrefix, getpid(), "-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", dir_template));
  }
  auto runtime =
      std::unique_ptr<ContainerRuntime>(new ContainerRuntime(dir_template, std::move(rootfs)));
  std::error_code error;
  for (const std::string& dir : {runtime->state_dir_, absl::StrCat(dir_template, "/bundles")}) {
    fs::create_directory(dir, error);
    if (error) return absl::InternalError(absl::StrCat("mkdir ", dir, ": ", error.message()));
  }
  return runtime;
}

ContainerRuntime::ContainerRuntime(std::string scratch_dir, std::string rootfs)
    : scratch_dir_(std::move(scratch_dir)),
      state_dir_(absl::StrCat(scratch_dir_, "/state")),
      rootfs_(std::move(rootfs)) {}

ContainerRuntime::~ContainerRuntime() {
  // Containers whose owner did not delete them (a RunningContainer must not
  // outlive the runtime; Run deletes its own).
  absl::StatusOr<CommandResult> listed = RunCommand(Runc({"list", "-q"}), {.timeout = kRuncQuick});
  if (listed.ok() && listed->exit.success()) {
    for (absl::string_view id : absl::StrSplit(listed->stdout_text, '\n', absl::SkipEmpty())) {
      log::Warn("deleting container ", id, " left running");
      (void)RunCommand(Runc({"delete", "-f", std::string(id)}), {.timeout = kRuncQuick});
    }
  }
  std::error_code ignored;
  fs::remove_all(scratch_dir_, ignored);
}

std::vector<std::string> ContainerRuntime::Runc(std::vector<std::string> args) const {
  std::vector<std::string> argv = {kRunc, "--root", state_dir_};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  return argv;
}

absl::StatusOr<std::pair<std::string, std::string>> ContainerRuntime::PrepareBundle(
    const ContainerSpec& spec) {
  NSF_RETURN_IF_ERROR(CheckName(spec.name));
  if (!spec.cgroups_path.empty() && !absl::StartsWith(spec.cgroups_path, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("cgroups_path must start with '/': ", spec.cgroups_path));
  }
  std::string id = absl::StrCat("nsfence-", getpid(), "-", next_container++, "-", spec.name);
  const std::string bundle = absl::StrCat(scratch_dir_, "/bundles/", id);
  std::error_code error;
  fs::create_directory(bundle, error);
  if (error) return absl::InternalError(absl::StrCat("mkdir ", bundle, ": ", error.message()));
  NSF_RETURN_IF_ERROR(
      WriteText(absl::StrCat(bundle, "/config.json"), OciConfigJson(spec, rootfs_)));
  return std::pair{std::move(id), bundle};
}

void ContainerRuntime::Delete(const std::string& id, const std::string& bundle,
                              const std::string& cgroups_path) {
  // Fails harmlessly when runc already removed a container that ended.
  (void)RunCommand(Runc({"delete", "-f", id}), {.timeout = kRuncQuick});
  if (!cgroups_path.empty()) RemoveLegacyCgroupPath(cgroups_path);
  std::error_code ignored;
  fs::remove_all(bundle, ignored);
}

absl::StatusOr<CommandResult> ContainerRuntime::Run(const ContainerSpec& spec,
                                                    absl::Duration timeout) {
  NSF_ASSIGN_OR_RETURN(auto prepared, PrepareBundle(spec));
  const auto& [id, bundle] = prepared;
  absl::StatusOr<CommandResult> result =
      RunCommand(Runc({"run", "--bundle", bundle, id}), {.timeout = timeout});
  Delete(id, bundle, spec.cgroups_path);
  return result;
}

absl::StatusOr<std::unique_ptr<RunningContainer>> ContainerRuntime::Start(ContainerSpec spec,
                                                                          absl::Duration timeout) {
  if (spec.args.empty()) spec.args = {"sleep", "60"};
  NSF_ASSIGN_OR_RETURN(auto prepared, PrepareBundle(spec));
  auto& [id, bundle] = prepared;
  absl::StatusOr<BackgroundProcess> runc_run =
      BackgroundProcess::Start(Runc({"run", "--bundle", bundle, id}));
  if (!runc_run.ok()) {
    Delete(id, bundle, spec.cgroups_path);
    return runc_run.status();
  }
  // From here the container's destructor deletes it, whatever happens.
  auto container = std::unique_ptr<RunningContainer>(new RunningContainer(
      this, std::move(id), std::move(bundle), spec.cgroups_path, *std::move(runc_run)));
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<CommandResult> state =
        RunCommand(Runc({"state", container->id_}), {.timeout = kRuncQuick});
    if (state.ok() && state->exit.success() &&
        JsonValue(state->stdout_text, "status") == "running") {
      const std::optional<std::string> pid = JsonValue(state->stdout_text, "pid");
      if (pid.has_value() && absl::SimpleAtoi(*pid, &container->pid_) && container->pid_ > 0) {
        return container;
      }
    }
    if (container->runc_run_.Wait(absl::ZeroDuration()).has_value()) {
      return absl::InternalError(absl::StrCat(
          "container ", container->id_, " ended before it ran (",
          container->runc_run_.exit_status()->ToString(), "): ", container->StderrText()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("container ", container->id_, " not running after ",
                       absl::FormatDuration(timeout), ": ", container->StderrText()));
    }
    absl::SleepFor(kPoll);
  }
}

RunningContainer::~RunningContainer() {
  runtime_->Delete(id_, bundle_, cgroups_path_);
  if (!runc_run_.Wait(kRunEnds).has_value()) {
    log::Warn("runc run of ", id_, " did not end after delete; killing it");
    runc_run_.Kill();
  }
}

absl::StatusOr<std::string> RunningContainer::State() const {
  NSF_ASSIGN_OR_RETURN(CommandResult state,
                       RunCommand(runtime_->Runc({"state", id_}), {.timeout = kRuncQuick}));
  if (!state.exit.success()) {
    return absl::NotFoundError(absl::StrCat("runc state ", id_, ": ", state.stderr_text));
  }
  std::optional<std::string> status = JsonValue(state.stdout_text, "status");
  if (!status.has_value()) {
    return absl::InternalError(absl::StrCat("runc state ", id_, ": ", state.stdout_text));
  }
  return *status;
}

bool RunningContainer::Running() const {
  absl::StatusOr<std::string> state = State();
  return state.ok() && *state == "running";
}

absl::StatusOr<CommandResult> RunningContainer::Exec(const ProcessSpec& process,
                                                     absl::Duration timeout) {
  const std::string file = absl::StrCat(bundle_, "/exec-", runtime_->next_exec_++, ".json");
  NSF_RETURN_IF_ERROR(WriteText(file, OciProcessJson(process)));
  return RunCommand(runtime_->Runc({"exec", "--process", file, id_}), {.timeout = timeout});
}

}  // namespace nsfence::testbed
