// libFuzzer target: arbitrary bytes as one direction of a TCP stream, fed to
// the TLS hello parser (the C code the datapath runs) through its C API in
// many chunkings; any broken invariant (tls_stream_check.h) aborts. The seed
// corpus is tests/fixtures/tls/*.bin: real captured handshakes.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/tls_stream_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string errors = nsfence::tls::check::CheckStream(data, size);
  if (!errors.empty()) {
    std::fprintf(stderr, "tls_hello_fuzz: invariant broken on %zu bytes:\n%s", size, errors.c_str());
    std::abort();
  }
  return 0;
}
