// The hello parser as the kernel runs it (compiled into a BPF program and
// driven by lib/tls_feed.h, through BPF_PROG_TEST_RUN) against the userspace
// library (the same C compiled for the host), on every captured handshake of
// tests/fixtures/tls fed in the same pieces: both must see the same hellos.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "tls/hello_parser.h"
#include "tls_parser_probe.skel.h"

namespace nsfence::bpftest {
namespace {

constexpr int kMaxResults = 8;  // PROBE_MAX_RESULTS

// Mirrors struct probe_state of tls_parser_probe.bpf.c.
struct ProbeResult {
  int32_t result;
  uint8_t hs_type;
  uint8_t retry_request;
  uint16_t version;
  char sni[NSFENCE_SNI_LEN];
};
struct ProbeState {
  nsf_tls_parser parser;
  uint32_t results;
  uint32_t stopped;
  ProbeResult result[kMaxResults];
};

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What one parser saw, in a form both sides produce.
struct Seen {
  std::vector<std::string> hellos;  // "type version hrr sni"
  std::string end;                  // "parsing", "stopped", "malformed"
};

std::string Describe(int type, uint16_t version, bool hrr, const std::string& sni) {
  return std::to_string(type) + " " + std::to_string(version) + (hrr ? " hrr " : " ") + sni;
}

Seen InKernel(tls_parser_probe_bpf* skel, const std::vector<uint8_t>& stream, size_t piece) {
  const int state_fd = bpf_map__fd(skel->maps.probe_state);
  const uint32_t key = 0;
  ProbeState zero{};
  EXPECT_EQ(bpf_map_update_elem(state_fd, &key, &zero, BPF_ANY), 0);
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = std::min(piece, stream.size() - at);
    // An Ethernet header the test run strips; the program sees the piece from
    // byte 0. An experimental ethertype, so short pieces are not read as IPv4.
    std::vector<uint8_t> frame(14, 0);
    frame[12] = 0x88;
    frame[13] = 0xb5;
    frame.insert(frame.end(), stream.begin() + at, stream.begin() + at + n);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_size_in = static_cast<__u32>(frame.size()));
    EXPECT_EQ(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tls_parser_probe), &opts), 0);
  }
  ProbeState st{};
  EXPECT_EQ(bpf_map_lookup_elem(state_fd, &key, &st), 0);
  Seen seen{.end = "parsing"};
  for (uint32_t i = 0; i < st.results && i < kMaxResults; ++i) {
    const ProbeResult& r = st.result[i];
    if (r.result == NSF_TLS_HELLO) {
      seen.hellos.push_back(Describe(r.hs_type, r.version, r.retry_request, r.sni));
    } else {
      seen.end = r.result == NSF_TLS_STOP ? "stopped" : "malformed";
    }
  }
  return seen;
}

Seen InUserspace(const std::vector<uint8_t>& stream, size_t piece) {
  tls::HelloStream parser;
  Seen seen;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = std::min(piece, stream.size() - at);
    for (const tls::Hello& h : parser.Feed(stream.data() + at, n)) {
      if (seen.hellos.size() < kMaxResults) {
        seen.hellos.push_back(Describe(h.type, h.version, h.retry_request, h.sni));
      }
    }
  }
  seen.end = parser.state() == tls::StreamState::kParsing   ? "parsing"
             : parser.state() == tls::StreamState::kStopped ? "stopped"
                                                            : "malformed";
  return seen;
}

TEST(TlsParserKernelTest, KernelAndUserspaceSeeTheSameHellosInEveryFixture) {
  NSFENCE_REQUIRE_KERNEL();
  tls_parser_probe_bpf* skel = tls_parser_probe_bpf__open_and_load();
  ASSERT_NE(skel, nullptr) << "loading the parser probe: " << std::strerror(errno);
  const std::filesystem::path dir = std::filesystem::path(NSFENCE_SOURCE_DIR) / "tests/fixtures/tls";
  int streams = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin") continue;
    const std::vector<uint8_t> stream = ReadFile(entry.path());
    // BPF_PROG_TEST_RUN takes at most about a page per run.
    for (size_t piece : {size_t{3000}, size_t{1448}, size_t{97}, size_t{5}}) {
      const Seen kernel = InKernel(skel, stream, piece);
      const Seen user = InUserspace(stream, piece);
      EXPECT_EQ(kernel.hellos, user.hellos) << entry.path().filename() << " in pieces of " << piece;
      EXPECT_EQ(kernel.end, user.end) << entry.path().filename() << " in pieces of " << piece;
      EXPECT_FALSE(kernel.hellos.empty()) << entry.path().filename();
    }
    ++streams;
  }
  EXPECT_GE(streams, 20);
  tls_parser_probe_bpf__destroy(skel);
}

}  // namespace
}  // namespace nsfence::bpftest
