#include "enforcement_probe.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bench_topology.h"
#include "common/status_macros.h"
#include "support/testbed/exec.h"

namespace nsfence::bench {
namespace {

absl::Status ExpectProbe(const testbed::Pod& from, const testbed::Pod& to, uint16_t port,
                         const std::string& netprobe, absl::string_view expected) {
  NSF_ASSIGN_OR_RETURN(testbed::CommandResult result,
                       testbed::RunInPod(from, {netprobe, "tcp-connect", to.ipv4().ToString(),
                                                absl::StrCat(port), "--timeout-ms", "2000"}));
  const absl::string_view line = absl::StripTrailingAsciiWhitespace(result.stdout_text);
  if (absl::StartsWith(line, expected)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(from.namespace_name(), " -> ",
                                                    to.namespace_name(), ":", port, " gave \"",
                                                    line, "\", expected \"", expected, "...\""));
}

}  // namespace

absl::Status CheckEnforcement(const testbed::Pod& client, const testbed::Pod& server,
                              const std::string& netprobe, bool expect_enforced) {
  const absl::string_view expected = expect_enforced ? "error EPERM" : "error ECONNREFUSED";
  // A port no rule allows, and the reverse direction, which the server's
  // policy allows over UDP only.
  NSF_RETURN_IF_ERROR(ExpectProbe(client, server, kDeniedPort, netprobe, expected));
  return ExpectProbe(server, client, kEchoPort, netprobe, expected);
}

absl::StatusOr<std::string> CheckTlsFloor(const LoadRunner& load, bool expect_floor) {
  NSF_ASSIGN_OR_RETURN(std::string line, load.TlsProbe("1.1"));
  const absl::string_view expected = expect_floor ? "cut " : "answered ";
  if (absl::StartsWith(line, expected)) return line;
  return absl::FailedPreconditionError(absl::StrCat(
      "a TLS 1.1 handshake ", kClientNamespace, " -> ", kServerNamespace, ":", kTlsHandshakePort,
      " gave \"", line, "\", expected \"", expected, "...\" (",
      expect_floor ? "the TLS floor is not in force" : "a TLS floor is in force", ")"));
}

absl::StatusOr<std::string> CheckExecGuard(const LoadRunner& load, bool expect_guard) {
  NSF_ASSIGN_OR_RETURN(std::string line, load.ExecProbe(/*privileged=*/true));
  const bool stopped = line == "killed signal=SIGKILL" || line == "refused error=EPERM";
  const bool ran = line == "exited status=0";
  if (expect_guard ? stopped : ran) return line;
  return absl::FailedPreconditionError(absl::StrCat(
      "a privileged exec in ", kClientNamespace, "/", kClientPod, " gave \"", line, "\", expected ",
      expect_guard ? "\"killed signal=SIGKILL\" or \"refused error=EPERM\" (the exec guard is not "
                     "in force)"
                   : "\"exited status=0\" (an exec guard is in force)"));
}

}  // namespace nsfence::bench
