// `nsfencectl status [--socket PATH]`: asks a running agent for its state
// over its admin socket (agent/admin_socket.h) and prints the JSON answer.
#ifndef NSFENCE_CLI_STATUS_H_
#define NSFENCE_CLI_STATUS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nsfence::cli {

inline constexpr char kDefaultAdminSocket[] = "/run/nsfence/agent.sock";

// Sends `request` (a line, newline added) to the admin socket at `path` and
// returns the answer line (newline stripped). Errors say what to do: the
// agent is not running, or this needs root.
absl::StatusOr<std::string> AskAgent(const std::string& path, const std::string& request);

// Consumes args[*i] (and the value after it) when it is --socket PATH or
// --socket=PATH; true when it was.
bool ReadSocketFlag(const std::vector<std::string>& args, size_t* i, std::string* path);

// The command: args after "status". Prints the status as indented JSON (or
// as received if it does not parse) on `out`, errors on `err`. Returns the
// exit code: 0 answered, 1 the agent could not be asked or answered an
// error, 2 bad arguments.
int RunStatus(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace nsfence::cli

#endif  // NSFENCE_CLI_STATUS_H_
