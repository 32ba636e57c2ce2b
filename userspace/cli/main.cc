// nsfencectl: offline checks of nsfence files, and the state of a running agent.
#include <iostream>
#include <string>
#include <vector>

#include "cli/release.h"
#include "cli/status.h"
#include "cli/validate.h"

namespace {

constexpr char kUsage[] = R"(usage: nsfencectl COMMAND [ARGS]

commands:
  validate PATH...   check policy and inventory files (or directories of
                     *.yaml); prints every error as file:line:column: message;
                     exit status 0 when clean, 1 on errors
  status [--socket PATH]
                     the state of the agent running on this node, as JSON,
                     asked over its admin socket (default
                     /run/nsfence/agent.sock; needs root)
  release NAMESPACE/POD [--socket PATH]
                     end the quarantine a policy's spec.response put the pod
                     in; the pod's traffic flows again at once (needs root)
)";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "validate") {
    return nsfence::cli::Validate({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (args[0] == "status") {
    return nsfence::cli::RunStatus({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (args[0] == "release") {
    return nsfence::cli::RunRelease({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  std::cerr << "nsfencectl: unknown command \"" << args[0] << "\"\n" << kUsage;
  return 2;
}
