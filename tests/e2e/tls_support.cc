#include "e2e/tls_support.h"

#include <iostream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "support/kernel_test.h"

namespace nsfence::e2e {
namespace {

// `body` dedented and indented by 4, under "  <section>:".
std::string Section(absl::string_view section, absl::string_view body) {
  std::string text = absl::StrCat("  ", section, ":\n");
  for (absl::string_view line : absl::StrSplit(Dedent(body), '\n', absl::SkipEmpty())) {
    absl::StrAppend(&text, "    ", line, "\n");
  }
  return text;
}


std::string OrDash(const std::string& value) { return value.empty() ? "-" : value; }

std::string TlsTail(absl::string_view reason, const Handshake& handshake) {
  return absl::StrCat(" tls ", reason, " offered ", OrDash(handshake.offered), " negotiated ",
                      OrDash(handshake.negotiated), " sni ", OrDash(handshake.sni), " min ",
                      OrDash(handshake.min));
}

std::string StringField(const google::protobuf::Struct& object, const std::string& name) {
  const auto found = object.fields().find(name);
  if (found == object.fields().end()) return "";
  if (found->second.has_string_value()) return found->second.string_value();
  // Numbers (pid) are not compared; keep their text anyway.
  if (found->second.has_number_value()) return absl::StrCat(found->second.number_value());
  return "?";
}

bool IsTlsEventLine(const std::string& line) {
  return absl::StartsWith(line, "{") && absl::StrContains(line, R"("kind":"tls")");
}

}  // namespace

std::string TlsPolicy(absl::string_view name, absl::string_view namespace_selector,
                      absl::string_view tls, absl::string_view mode, absl::string_view network) {
  std::string text = PolicyHead(name, namespace_selector, mode);
  if (!network.empty()) absl::StrAppend(&text, Section("network", network));
  absl::StrAppend(&text, Section("tls", tls));
  return text;
}

std::string TlsFloorOfJobA(absl::string_view direction, absl::string_view mode) {
  return TlsPolicy(kTlsFloor, kJobA,
                   absl::StrCat("minVersion: \"1.2\"\ndirection: ", direction, "\n"), mode);
}

std::string Describe(const ReportedEvent& event) {
  std::string text = absl::StrCat(
      event.action, " ", event.direction, " ", event.protocol, " ", event.namespace_name, "/",
      event.pod, " ", WithoutPort(event.src), " -> ", event.dst, " peer ", event.peer_namespace,
      event.peer_pod.empty() ? "" : "/", event.peer_pod, " policy ", event.policy);
  if (event.kind == "network") return text;
  if (event.kind != "tls") return absl::StrCat(text, " kind ", event.kind);
  return text + TlsTail(event.reason, Handshake{.offered = event.offered_max_version,
                                                .negotiated = event.negotiated_version,
                                                .sni = event.sni,
                                                .min = event.min_version});
}

std::string TlsEgress(absl::string_view action, const Pod& client, const Peer& server, int port,
                      absl::string_view policy, absl::string_view reason,
                      const Handshake& handshake, Family family) {
  return Egress(action, "tcp", client, server, port, policy, family) + TlsTail(reason, handshake);
}

std::string TlsIngress(absl::string_view action, const Pod& server, const Peer& client, int port,
                       absl::string_view policy, absl::string_view reason,
                       const Handshake& handshake, Family family) {
  return Ingress(action, "tcp", server, client, port, policy, family) + TlsTail(reason, handshake);
}

void TlsTest::SetUp() {
  NetworkTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  tls_tools_ = testbed::TlsToolPaths::ForSourceDir(NSFENCE_SOURCE_DIR);
  // Like a missing kernel feature: a skip, or a failure where kernel tests
  // are required.
  if (const absl::Status available = tls_tools_.CheckAvailable(); !available.ok()) {
    NSFENCE_SKIP_KERNEL_TEST(available.ToString());
  }
  absl::StatusOr<testbed::TestCertificate> made = testbed::TestCertificate::Create(tls_tools_);
  ASSERT_TRUE(made.ok()) << made.status();
  cert_ = *std::move(made);
}

void TlsTest::TearDown() {
  if (HasFailure()) {
    for (const Server& server : servers_) {
      std::cerr << "---- " << server.what << ", stdout:\n"
                << server.process.StdoutText() << "---- stderr:\n"
                << server.process.StderrText() << "----\n";
    }
  }
  // Servers run in testbed cgroups: stopped before the testbed goes.
  servers_.clear();
  NetworkTest::TearDown();
  cert_.reset();
}

int TlsTest::Keep(const Host& host, int port, absl::string_view what,
                  absl::StatusOr<BackgroundProcess> started) {
  if (!started.ok()) {
    ADD_FAILURE() << started.status();
    return 0;
  }
  servers_.push_back(Server{.port = port,
                            .what = absl::StrCat(what, " on ", host.name(), ":", port),
                            .process = *std::move(started)});
  return port;
}

int TlsTest::ServeOpenssl(const Host& host, const OpensslServerOptions& options, int port) {
  if (port == 0) port = NextPort();
  return Keep(host, port, "openssl s_server",
              testbed::StartOpensslServer(tls_tools_, host, *cert_, port, options));
}

int TlsTest::ServePythonTls(const Host& host, absl::string_view min_version,
                            absl::string_view max_version, int port) {
  if (port == 0) port = NextPort();
  return Keep(host, port, "python TLS server",
              testbed::StartPythonTlsServer(tls_tools_, host, *cert_, port, min_version,
                                            max_version));
}

int TlsTest::ServePlain(const Host& host, int port) {
  if (port == 0) port = NextPort();
  return Keep(host, port, "plain server", testbed::StartPlainServer(tls_tools_, host, port));
}

int TlsTest::ServeRaw(const Host& host, const RawListenerOptions& options, int port) {
  if (port == 0) port = NextPort();
  return Keep(host, port, "raw listener",
              testbed::StartRawListener(tls_tools_, host, port, options));
}

TlsTest::Server* TlsTest::FindServer(int port) {
  for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) {
    if (it->port == port) return &*it;
  }
  ADD_FAILURE() << "no server on port " << port;
  return nullptr;
}

std::string TlsTest::ServerOutput(int port) {
  const Server* server = FindServer(port);
  return server == nullptr ? "" : server->process.StdoutText();
}

bool TlsTest::WaitForServer(int port, absl::string_view text, absl::Duration timeout) {
  Server* server = FindServer(port);
  return server != nullptr && server->process.WaitForStdout(text, timeout);
}

TlsOutcome TlsTest::Client(const Host& from, TlsClient client, const Host& to, int port,
                           const TlsClientOptions& options, Family family) {
  return testbed::RunTlsClient(tls_tools_, from, client, AddressOf(to, family), port, options);
}

PeerOutcome TlsTest::RunPeer(const Host& from, const std::vector<std::string>& args,
                             absl::Duration timeout) {
  return testbed::RunPeer(tls_tools_, from, args, timeout);
}

PeerOutcome TlsTest::RawSend(const Host& from, const Host& to, int port, absl::string_view bytes,
                             const RawSendOptions& options, Family family) {
  return RunPeer(from, testbed::RawSendArgs(AddressOf(to, family), port, bytes, options),
                 options.timeout + absl::Seconds(10));
}

void TlsTest::WaitForTlsEvents(int count) {
  ASSERT_TRUE(agent().WaitForStdoutLines(IsTlsEventLine, count, kAgentReacts))
      << "expected " << count << " TLS events, got:\n"
      << agent().StdoutText();
}

std::vector<ReportedEvent> TlsTest::ParsedReportedEvents() {
  std::vector<ReportedEvent> events;
  for (const std::string& line : agent().StdoutLines()) {
    google::protobuf::Struct object;
    if (const auto parsed = google::protobuf::util::JsonStringToMessage(line, &object);
        !parsed.ok()) {
      ADD_FAILURE() << "not a JSON event: " << line << " (" << parsed.ToString() << ")";
      continue;
    }
    const auto field = [&object](const std::string& name) { return StringField(object, name); };
    events.push_back(ReportedEvent{.kind = field("kind"),
                                   .action = field("action"),
                                   .direction = field("direction"),
                                   .namespace_name = field("namespace"),
                                   .pod = field("pod"),
                                   .protocol = field("protocol"),
                                   .src = field("src"),
                                   .dst = field("dst"),
                                   .peer_namespace = field("peer_namespace"),
                                   .peer_pod = field("peer_pod"),
                                   .policy = field("policy"),
                                   .reason = field("reason"),
                                   .offered_max_version = field("offered_max_version"),
                                   .negotiated_version = field("negotiated_version"),
                                   .sni = field("sni"),
                                   .min_version = field("min_version"),
                                   .line = line});
  }
  return events;
}

std::vector<std::string> TlsTest::ReportedEvents() {
  std::vector<std::string> described;
  for (const ReportedEvent& event : ParsedReportedEvents()) described.push_back(Describe(event));
  return described;
}

}  // namespace nsfence::e2e
