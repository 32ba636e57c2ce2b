// TLS servers and clients for end-to-end tests, run in pods and on world
// hosts: the system's OpenSSL (s_server, s_client), curl, gnutls-cli and
// Python's ssl module (through tools/tls_peer.py, which also holds the raw
// TCP and UDP peers), with a self-signed certificate made per test.
//
//   absl::StatusOr<TestCertificate> cert = TestCertificate::Create();
//   absl::StatusOr<BackgroundProcess> server =
//       StartOpensslServer(tools, *internet, *cert, 4433, {.min_version = "1.0"});
//   TlsOutcome outcome = RunTlsClient(tools, *runner, TlsClient::kOpenssl,
//                                     internet->ipv4(), 4433, {.only_version = "1.0"});
//
// Versions are written "1.0" .. "1.3" throughout. Clients never hang: each
// run is killed at its timeout and says so.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_TLS_TOOLS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_TLS_TOOLS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/ip.h"
#include "support/testbed/background_process.h"
#include "support/testbed/exit_status.h"
#include "support/testbed/host.h"

namespace nsfence::testbed {

struct TlsToolPaths {
  std::string openssl = "openssl";
  std::string curl = "curl";
  std::string gnutls_cli = "gnutls-cli";
  // Debian's, whose ssl module is built on the system OpenSSL.
  std::string python = "/usr/bin/python3";
  // tests/support/testbed/tools/tls_peer.py.
  std::string peer_script;

  // The tools in `source_dir` (the repository) and on the system.
  static TlsToolPaths ForSourceDir(absl::string_view source_dir);
  // An error naming every tool that is missing (and the package to install).
  absl::Status CheckAvailable() const;
};

// A self-signed RSA certificate and its key in a temporary directory, which
// is removed when this object is destroyed.
class TestCertificate {
 public:
  static absl::StatusOr<TestCertificate> Create(const TlsToolPaths& tools,
                                                absl::string_view common_name = "tls.test");

  TestCertificate(TestCertificate&& other) noexcept;
  TestCertificate& operator=(TestCertificate&& other) noexcept;
  ~TestCertificate();

  const std::string& directory() const { return directory_; }
  std::string cert_path() const { return directory_ + "/cert.pem"; }
  std::string key_path() const { return directory_ + "/key.pem"; }

 private:
  explicit TestCertificate(std::string directory) : directory_(std::move(directory)) {}
  void Remove();

  std::string directory_;  // empty once moved from
};

// How long servers may take to say they listen.
inline constexpr absl::Duration kTlsServerReady = absl::Seconds(10);

struct OpensslServerOptions {
  // -min_protocol / -max_protocol; empty: OpenSSL's default.
  std::string min_version = "1.0";
  std::string max_version;
  // -cipher: TLS 1.2 and older suites. SECLEVEL 0 lets TLS 1.0 and 1.1 through.
  std::string cipher = "DEFAULT:@SECLEVEL=0";
  // -groups; empty: the default.
  std::string groups;
};

// `openssl s_server -www` on `port` (IPv4 and IPv6): answers an HTTP GET with
// a status page and closes. It serves one connection at a time, so a test
// starts one per case. Returns once it accepts connections.
absl::StatusOr<BackgroundProcess> StartOpensslServer(const TlsToolPaths& tools, const Host& host,
                                                     const TestCertificate& cert, int port,
                                                     const OpensslServerOptions& options = {});

// Python ssl server (tls_peer.py tls-serve): handshakes, prints "handshake
// 1.x" per connection, then serves the "go N" / "up N" / GET protocol.
absl::StatusOr<BackgroundProcess> StartPythonTlsServer(const TlsToolPaths& tools, const Host& host,
                                                       const TestCertificate& cert, int port,
                                                       absl::string_view min_version = "1.0",
                                                       absl::string_view max_version = "");
// The same protocol in plaintext (tls_peer.py plain-serve).
absl::StatusOr<BackgroundProcess> StartPlainServer(const TlsToolPaths& tools, const Host& host,
                                                   int port);

struct RawListenerOptions {
  // Play an SMTP server up to STARTTLS before counting bytes.
  bool smtp = false;
  // Print "records N" (TLS records received) before the connection's end line.
  bool records = false;
  // End a connection that is quiet this long ("idle T"); zero: wait for EOF.
  absl::Duration idle = absl::ZeroDuration();
};

// Counts what each connection brings (tls_peer.py raw-listen): "received T"
// after each read, "closed T" at its end.
absl::StatusOr<BackgroundProcess> StartRawListener(const TlsToolPaths& tools, const Host& host,
                                                   int port, const RawListenerOptions& options = {});

enum class TlsClient { kOpenssl, kCurl, kGnutls, kPython };
// "openssl", "curl", "gnutls", "python".
std::string TlsClientName(TlsClient client);
void PrintTo(TlsClient client, std::ostream* out);

struct TlsClientOptions {
  // The one version the client may use (openssl -tls1 .. -tls1_3, curl
  // --tlsvX --tls-max X, gnutls-cli +VERS-TLSX, Python min = max); empty:
  // the client's defaults (TLS 1.2 and 1.3 on Debian 12).
  std::string only_version;
  // Server name sent in the hello; empty: none (the address is used).
  std::string sni = "tls.test";
  // openssl -groups.
  std::string groups;
  // ALPN protocols offered: `alpn_count` names of `alpn_length` bytes
  // (openssl -alpn, Python set_alpn_protocols), to make big hellos.
  int alpn_count = 0;
  int alpn_length = 200;
  // openssl -max_send_frag: the hello spans records of at most this size.
  int max_send_frag = 0;
  // openssl -msg: the handshake messages in the output.
  bool trace_messages = false;
  absl::Duration timeout = absl::Seconds(5);
};

// How a client run ended.
struct TlsOutcome {
  // The handshake completed and the server answered.
  bool ok = false;
  // The negotiated version, "1.0" .. "1.3", when ok.
  std::string version;
  absl::Duration elapsed;
  // Killed at its timeout: it hung.
  bool timed_out = false;
  std::optional<ExitStatus> exit;
  // The command line and everything it printed, for failure messages.
  std::string command;
  std::string output;

  // "ok 1.2 in 35ms" or "failed in 120ms (exit code 1): <last output lines>".
  std::string ToString() const;
};
// For gtest: ToString().
void PrintTo(const TlsOutcome& outcome, std::ostream* out);

// Runs `client` on `from` against `to`:`port` (an openssl s_server or a
// tls_peer.py server), sending an HTTP GET where the client sends anything.
TlsOutcome RunTlsClient(const TlsToolPaths& tools, const Host& from, TlsClient client,
                        const IpAddress& to, int port, const TlsClientOptions& options = {});

// What a tls_peer.py client run printed: the result line is its last.
struct PeerOutcome {
  // "ok", "ok 1.3", "error ECONNRESET Connection reset by peer", or why there
  // is no line (did not start, killed at its timeout).
  std::string result;
  absl::Duration elapsed;
  bool timed_out = false;
  std::string output;  // all of stdout and stderr
  bool ok() const { return result == "ok" || result.rfind("ok ", 0) == 0; }
  std::string ToString() const;
};
void PrintTo(const PeerOutcome& outcome, std::ostream* out);

// Runs tls_peer.py with `args` on `from`, killed after `timeout`.
PeerOutcome RunPeer(const TlsToolPaths& tools, const Host& from,
                    const std::vector<std::string>& args,
                    absl::Duration timeout = absl::Seconds(30));
// The command line that runs tls_peer.py with `args` on `host`, to start it
// in the background (BackgroundProcess::Start).
std::vector<std::string> PeerCommandLine(const TlsToolPaths& tools, const Host& host,
                                         const std::vector<std::string>& args);

struct RawSendOptions {
  // Write sizes of the first pieces; the rest goes in a last write.
  std::vector<int> split;
  absl::Duration pause = absl::Milliseconds(50);
  // An SMTP dialogue up to STARTTLS comes first.
  bool smtp = false;
  // Connect, print "connected", and send only once this file exists.
  std::string wait_file;
  // Print "reply <hex>" (the first 16 bytes the listener sent back).
  bool print_reply = false;
  // For the reply (the listener's close) once everything is sent.
  absl::Duration timeout = absl::Seconds(5);
};

// tls_peer.py raw-send arguments: `bytes` to `to`:`port`.
std::vector<std::string> RawSendArgs(const IpAddress& to, int port, absl::string_view bytes,
                                     const RawSendOptions& options = {});

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_TLS_TOOLS_H_
