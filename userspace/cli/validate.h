// `nsfencectl validate PATH...`: checks policy and inventory files offline.
#ifndef NSFENCE_CLI_VALIDATE_H_
#define NSFENCE_CLI_VALIDATE_H_

#include <ostream>
#include <string>
#include <vector>

namespace nsfence::cli {

// Each path is a file or a directory of *.yaml / *.yml files. A file is an
// inventory when its top level has namespaces, pods or hostCIDRs, else it is
// read as policies. Every error goes to `err` as file:line:column: message,
// a summary per file to `out`. Returns the exit code: 0 clean, 1 on errors.
int Validate(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);

}  // namespace nsfence::cli

#endif  // NSFENCE_CLI_VALIDATE_H_
