// nsfence-agent: see agent.h and `nsfence-agent --help`.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/options.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<nsfence::agent::AgentOptions> options = nsfence::agent::ParseAgentArgs(args);
  if (!options.ok()) {
    std::fprintf(stderr, "nsfence-agent: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(nsfence::agent::AgentUsage().c_str(), stdout);
    return 0;
  }
  return nsfence::agent::Agent(*std::move(options)).Run();
}
