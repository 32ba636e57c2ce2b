// Routes libbpf's messages (verifier logs, pinning problems) into the agent's
// stderr log; debug chatter is dropped.
#ifndef NSFENCE_LOADER_LIBBPF_LOG_H_
#define NSFENCE_LOADER_LIBBPF_LOG_H_

namespace nsfence::loader {

void InstallLibbpfLogger();

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_LIBBPF_LOG_H_
