// A fixture for end-to-end tests of the TLS floor (spec.tls): the testbed of
// NetworkTest (e2e_support.h), TLS servers and clients from
// support/testbed/tls_tools.h, and the agent's events read as JSON of any
// kind, so TLS events ("kind": "tls", with reason and versions) and network
// events can be compared in one list:
//
//   WriteTlsPolicy(kTlsFloor, TlsFloorOfJobA());
//   ASSERT_NO_FATAL_FAILURE(StartAgent());
//   const int port = ServeOpenssl(*internet_);
//   EXPECT_THAT(Client(*runner_, TlsClient::kOpenssl, *internet_, port, {.only_version = "1.0"}),
//               FailsPromptly());
//   ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
//   ASSERT_NO_FATAL_FAILURE(StopAgent());
//   EXPECT_THAT(ReportedEvents(), ElementsAre(TlsEgress("blocked", *runner_, *internet_, port,
//                                                       kTlsFloor, kClientOffersBelowFloor,
//                                                       {.offered = "1.0", .sni = "tls.test"})));
//
// The governed namespace is job-a (runner, helper); infra (cache) is
// ungoverned, internet and intranet are world hosts.
#ifndef NSFENCE_TESTS_E2E_TLS_SUPPORT_H_
#define NSFENCE_TESTS_E2E_TLS_SUPPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/testbed/tls_hello.h"
#include "support/testbed/tls_tools.h"

namespace nsfence::e2e {

using testbed::OpensslServerOptions;
using testbed::PeerOutcome;
using testbed::RawListenerOptions;
using testbed::RawSendOptions;
using testbed::TlsClient;
using testbed::TlsClientOptions;
using testbed::TlsOutcome;

// Event reasons.
inline constexpr char kClientOffersBelowFloor[] = "client_offers_below_floor";
inline constexpr char kServerSelectedBelowFloor[] = "server_selected_below_floor";
inline constexpr char kPlaintextOnRequireTls[] = "plaintext_on_require_tls";

// The policy most tests write, and the namespace it governs.
inline constexpr char kTlsFloor[] = "tls-floor";
inline constexpr char kJobA[] = "{matchLabels: {kubernetes.io/metadata.name: job-a}}";

// A blocked handshake must fail this soon (the agent ends the connection);
// generous over the ~2 s the datapath promises, far below a TCP timeout.
inline constexpr absl::Duration kPromptly = absl::Seconds(3);

// An IsolationPolicy with a `tls` section (the body of spec.tls in block YAML,
// dedented) and, when `network` is not empty, a `network` section.
std::string TlsPolicy(absl::string_view name, absl::string_view namespace_selector,
                      absl::string_view tls, absl::string_view mode = "enforce",
                      absl::string_view network = "");
// kTlsFloor on job-a: minVersion 1.2 in `direction`, in `mode`.
std::string TlsFloorOfJobA(absl::string_view direction = "both",
                           absl::string_view mode = "enforce");

// An event the agent printed, of any kind, by its JSON field names.
struct ReportedEvent {
  std::string kind, action, direction, namespace_name, pod, protocol, src, dst, peer_namespace,
      peer_pod, policy;
  // TLS events only.
  std::string reason, offered_max_version, negotiated_version, sni, min_version;
  std::string line;  // as printed
};

// What the handshake showed, for TLS event expectations: "" where the event
// must not have the field.
struct Handshake {
  std::string offered;
  std::string negotiated;
  std::string sni;
  std::string min = "1.2";
};

// An event in one line that reads well in failure messages: a network
// event as e2e_support's Describe() gives it, a TLS event followed by
//   " tls <reason> offered <v> negotiated <v> sni <name> min <v>"
// ("-" for an absent field). src is given without its port.
std::string Describe(const ReportedEvent& event);
// What Describe gives for the TLS event of a connection `client` opened to
// `server`:`port` (the pod is the TLS client: egress), and of one `client`
// opened to `server`:`port` (the pod is the TLS server: ingress). src is the
// connection's initiator, dst the server's address and port, both ways.
std::string TlsEgress(absl::string_view action, const Pod& client, const Peer& server, int port,
                      absl::string_view policy, absl::string_view reason,
                      const Handshake& handshake, Family family = Family::kV4);
std::string TlsIngress(absl::string_view action, const Pod& server, const Peer& client, int port,
                       absl::string_view policy, absl::string_view reason,
                       const Handshake& handshake, Family family = Family::kV4);

// A client run that failed, by itself (not killed at its timeout) and within
// kPromptly.
MATCHER(FailsPromptly, "fails within " + absl::FormatDuration(kPromptly) + " without hanging") {
  return !arg.ok && !arg.timed_out && arg.elapsed < kPromptly;
}
// A client run that completed its handshake, at `version` when given.
MATCHER_P(Succeeds, version, "completes the handshake at TLS " + std::string(version)) {
  return arg.ok && (std::string(version).empty() || arg.version == version);
}
// A tls_peer.py result: "ok ..." or, for PeerFailsPromptly, an error line
// within kPromptly.
MATCHER(PeerSucceeds, "prints ok") {
  return arg.ok();
}
MATCHER(PeerFailsPromptly, "prints an error within " + absl::FormatDuration(kPromptly)) {
  return !arg.ok() && !arg.timed_out && arg.elapsed < kPromptly &&
         arg.result.rfind("error ", 0) == 0;
}

class TlsTest : public NetworkTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  const testbed::TlsToolPaths& tls_tools() const { return tls_tools_; }
  const testbed::TestCertificate& cert() const { return *cert_; }

  // Writes policies/<name>.yaml.
  void WriteTlsPolicy(absl::string_view name, absl::string_view text) { WritePolicy(name, text); }

  // A port no server of this test uses yet (from 4433 up).
  int NextPort() { return next_port_++; }
  // Starts a server on `host` until the end of the test: on `port`, or on
  // NextPort() when 0. Returns the port, 0 when it did not start (a test
  // failure already).
  int ServeOpenssl(const Host& host, const OpensslServerOptions& options = {}, int port = 0);
  int ServePythonTls(const Host& host, absl::string_view min_version = "1.0",
                     absl::string_view max_version = "", int port = 0);
  int ServePlain(const Host& host, int port = 0);
  int ServeRaw(const Host& host, const RawListenerOptions& options = {}, int port = 0);
  // The stdout of the server started last on `port`.
  std::string ServerOutput(int port);
  // Waits until the server on `port` printed a line containing `text`.
  bool WaitForServer(int port, absl::string_view text, absl::Duration timeout = kAgentReacts);

  // Runs a TLS client on `from` against `to`:`port`.
  TlsOutcome Client(const Host& from, TlsClient client, const Host& to, int port,
                    const TlsClientOptions& options = {}, Family family = Family::kV4);
  // Runs tls_peer.py on `from`.
  PeerOutcome RunPeer(const Host& from, const std::vector<std::string>& args,
                      absl::Duration timeout = absl::Seconds(30));
  // Sends `bytes` from `from` to `to`:`port` (tls_peer.py raw-send).
  PeerOutcome RawSend(const Host& from, const Host& to, int port, absl::string_view bytes,
                      const RawSendOptions& options = {}, Family family = Family::kV4);

  // Waits until the agent printed `count` TLS events.
  void WaitForTlsEvents(int count);

  // A blocked case: the client failed promptly, and once the agent stopped
  // its one event matches `event`.
  template <typename EventMatcher>
  void ExpectBlocked(const TlsOutcome& outcome, EventMatcher event) {
    EXPECT_THAT(outcome, FailsPromptly());
    ASSERT_NO_FATAL_FAILURE(WaitForTlsEvents(1));
    ASSERT_NO_FATAL_FAILURE(StopAgent());
    EXPECT_THAT(ReportedEvents(), ::testing::ElementsAre(event));
  }
  // Every line the agent started last printed, parsed; a line that is not a
  // JSON object is a test failure.
  std::vector<ReportedEvent> ParsedReportedEvents();
  // The same, described.
  std::vector<std::string> ReportedEvents();

 private:
  struct Server {
    int port;
    std::string what;
    BackgroundProcess process;
  };
  int Keep(const Host& host, int port, absl::string_view what,
           absl::StatusOr<BackgroundProcess> started);
  Server* FindServer(int port);

  testbed::TlsToolPaths tls_tools_;
  std::optional<testbed::TestCertificate> cert_;
  int next_port_ = 4433;
  std::vector<Server> servers_;
};

}  // namespace nsfence::e2e

#endif  // NSFENCE_TESTS_E2E_TLS_SUPPORT_H_
