// `nsfencectl release NAMESPACE/POD [--socket PATH]`: ends the quarantine of
// a pod (spec.response) through the agent's admin socket.
#ifndef NSFENCE_CLI_RELEASE_H_
#define NSFENCE_CLI_RELEASE_H_

#include <ostream>
#include <string>
#include <vector>

namespace nsfence::cli {

// args after "release". Returns the exit code: 0 released, 1 the agent could
// not be asked or refused (e.g. the pod is not quarantined), 2 bad arguments.
int RunRelease(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace nsfence::cli

#endif  // NSFENCE_CLI_RELEASE_H_
