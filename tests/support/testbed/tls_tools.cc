#include "support/testbed/tls_tools.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "support/testbed/command.h"
#include "support/testbed/tls_hello.h"

namespace nsfence::testbed {
namespace {

namespace fs = std::filesystem;

// What clients that send a request send: s_server -www and tls_peer.py
// servers answer it with a status line and close.
constexpr char kHttpRequest[] = "GET / HTTP/1.0\r\n\r\n";
constexpr char kHttpAnswer[] = "HTTP/1.0 200 ok";
// After a process ended, how long its output may still take to arrive.
constexpr absl::Duration kOutputGrace = absl::Seconds(1);
// Lines of output quoted in ToString().
constexpr size_t kQuotedLines = 6;

bool InPath(const std::string& program) {
  if (absl::StrContains(program, '/')) return access(program.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    if (!dir.empty() && access(absl::StrCat(dir, "/", program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// "1.0" -> "TLSv1" (OpenSSL's protocol names), "1.3" -> "TLSv1.3".
std::string OpensslProtocol(absl::string_view version) {
  return version == "1.0" ? "TLSv1" : absl::StrCat("TLSv", version);
}

// "1.0" -> "-tls1", "1.2" -> "-tls1_2".
std::string OpensslOnlyFlag(absl::string_view version) {
  if (version == "1.0") return "-tls1";
  std::string flag = absl::StrCat("-tls", version);
  absl::StrReplaceAll({{".", "_"}}, &flag);
  return flag;
}

bool IsLegacy(absl::string_view version) { return version == "1.0" || version == "1.1"; }

// Names like "TLSv1", "TLSv1.2", "TLS1.3" as "1.0", "1.2", "1.3".
std::string NormalizeVersion(absl::string_view name) {
  absl::ConsumePrefix(&name, "TLSv");
  absl::ConsumePrefix(&name, "TLS");
  if (name == "1") return "1.0";
  return std::string(name);
}

// The word that follows the first `marker` in `text`, up to any of `ends`.
std::string WordAfter(absl::string_view text, absl::string_view marker, absl::string_view ends) {
  const size_t at = text.find(marker);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = text.substr(at + marker.size());
  return std::string(rest.substr(0, rest.find_first_of(ends)));
}

std::string LastLines(absl::string_view text, size_t count) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(text), '\n');
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - count);
  return absl::StrJoin(lines, " | ");
}

std::string AlpnList(int count, int length) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    std::string name = absl::StrCat(i, "-");
    name.resize(static_cast<size_t>(length), static_cast<char>('a' + i % 26));
    names.push_back(std::move(name));
  }
  return absl::StrJoin(names, ",");
}

// "host:port", IPv6 in brackets.
std::string Endpoint(const IpAddress& ip, int port) {
  return ip.WithPort(static_cast<uint16_t>(port));
}

std::string UrlHost(const IpAddress& ip) {
  return ip.family() == IpFamily::kV6 ? absl::StrCat("[", ip.ToString(), "]") : ip.ToString();
}

struct Run {
  std::optional<ExitStatus> exit;
  bool timed_out = false;
  absl::Duration elapsed;
  std::string stdout_text;
  std::string output;  // stdout, then stderr
  std::string command;
};

// Runs `argv` (already wrapped for its host), killed at `timeout`.
Run RunBounded(const std::vector<std::string>& argv, absl::string_view stdin_text,
               absl::Duration timeout) {
  Run run;
  run.command = absl::StrJoin(argv, " ");
  const absl::Time start = absl::Now();
  absl::StatusOr<BackgroundProcess> process = BackgroundProcess::Start(argv, stdin_text);
  if (!process.ok()) {
    run.output = process.status().ToString();
    return run;
  }
  run.exit = process->Wait(timeout);
  run.elapsed = absl::Now() - start;
  if (!run.exit.has_value()) {
    run.timed_out = true;
    run.exit = process->Kill();
  }
  process->WaitForOutputEnd(kOutputGrace);
  run.stdout_text = process->StdoutText();
  run.output = absl::StrCat(run.stdout_text, process->StderrText());
  return run;
}

absl::StatusOr<BackgroundProcess> StartServer(const std::vector<std::string>& argv,
                                              absl::string_view ready_line,
                                              absl::string_view what) {
  NSF_ASSIGN_OR_RETURN(BackgroundProcess server, BackgroundProcess::Start(argv));
  if (!server.WaitForStdout(ready_line, kTlsServerReady)) {
    server.Kill();
    server.WaitForOutputEnd(kOutputGrace);
    return absl::InternalError(absl::StrCat(what, " did not start (`", absl::StrJoin(argv, " "),
                                            "`): ", server.StdoutText(), server.StderrText()));
  }
  return server;
}

std::vector<std::string> OpensslClientArgs(const TlsToolPaths& tools, const IpAddress& to, int port,
                                           const TlsClientOptions& options) {
  std::vector<std::string> argv = {tools.openssl, "s_client", "-connect", Endpoint(to, port)};
  if (options.sni.empty()) {
    argv.emplace_back("-noservername");
  } else {
    argv.insert(argv.end(), {"-servername", options.sni});
  }
  if (!options.only_version.empty()) argv.push_back(OpensslOnlyFlag(options.only_version));
  if (IsLegacy(options.only_version)) argv.insert(argv.end(), {"-cipher", "DEFAULT:@SECLEVEL=0"});
  if (!options.groups.empty()) argv.insert(argv.end(), {"-groups", options.groups});
  if (options.alpn_count > 0) {
    argv.insert(argv.end(), {"-alpn", AlpnList(options.alpn_count, options.alpn_length)});
  }
  if (options.max_send_frag > 0) {
    argv.insert(argv.end(), {"-max_send_frag", absl::StrCat(options.max_send_frag)});
  }
  if (options.trace_messages) argv.emplace_back("-msg");
  // Keep reading after the request (stdin's end) until the server closes.
  argv.emplace_back("-ign_eof");
  return argv;
}

std::vector<std::string> CurlArgs(const TlsToolPaths& tools, const IpAddress& to, int port,
                                  const TlsClientOptions& options) {
  std::vector<std::string> argv = {
      tools.curl, "-k", "-sS", "-v", "-g", "--max-time",
      absl::StrCat(absl::ToInt64Seconds(options.timeout)), "-o", "/dev/null", "-w",
      "%{http_code}\n"};
  if (!options.only_version.empty()) {
    argv.insert(argv.end(), {absl::StrCat("--tlsv", options.only_version), "--tls-max",
                             options.only_version});
  }
  if (IsLegacy(options.only_version)) argv.insert(argv.end(), {"--ciphers", "DEFAULT@SECLEVEL=0"});
  if (options.sni.empty()) {
    argv.push_back(absl::StrCat("https://", UrlHost(to), ":", port, "/"));
  } else {
    // The name resolves to the server's address, so curl sends it as SNI.
    argv.insert(argv.end(), {"--resolve", absl::StrCat(options.sni, ":", port, ":", UrlHost(to)),
                             absl::StrCat("https://", options.sni, ":", port, "/")});
  }
  return argv;
}

std::vector<std::string> GnutlsArgs(const TlsToolPaths& tools, const IpAddress& to, int port,
                                    const TlsClientOptions& options) {
  std::vector<std::string> argv = {tools.gnutls_cli, "--insecure"};
  if (options.sni.empty()) {
    argv.emplace_back("--disable-sni");
  } else {
    argv.push_back(absl::StrCat("--sni-hostname=", options.sni));
  }
  argv.push_back(absl::StrCat(
      "--priority=", options.only_version.empty()
                         ? std::string("NORMAL")
                         : absl::StrCat("NORMAL:-VERS-ALL:+VERS-TLS", options.only_version)));
  argv.insert(argv.end(), {"-p", absl::StrCat(port), to.ToString()});
  return argv;
}

std::vector<std::string> PythonClientArgs(const IpAddress& to, int port,
                                          const TlsClientOptions& options) {
  std::vector<std::string> args = {"tls-connect", to.ToString(), absl::StrCat(port), "--timeout",
                                   absl::StrCat(absl::ToInt64Seconds(options.timeout))};
  if (!options.only_version.empty()) {
    args.insert(args.end(), {"--min", options.only_version, "--max", options.only_version});
  }
  if (!options.sni.empty()) args.insert(args.end(), {"--sni", options.sni});
  if (options.alpn_count > 0) {
    args.insert(args.end(), {"--alpn-count", absl::StrCat(options.alpn_count), "--alpn-len",
                             absl::StrCat(options.alpn_length)});
  }
  return args;
}

}  // namespace

TlsToolPaths TlsToolPaths::ForSourceDir(absl::string_view source_dir) {
  TlsToolPaths tools;
  tools.peer_script = absl::StrCat(source_dir, "/tests/support/testbed/tools/tls_peer.py");
  return tools;
}

absl::Status TlsToolPaths::CheckAvailable() const {
  std::vector<std::string> missing;
  for (const auto& [program, package] :
       {std::pair{openssl, "openssl"}, std::pair{curl, "curl"}, std::pair{gnutls_cli, "gnutls-bin"},
        std::pair{python, "python3"}}) {
    if (!InPath(program)) missing.push_back(absl::StrCat(program, " (package ", package, ")"));
  }
  if (peer_script.empty() || access(peer_script.c_str(), R_OK) != 0) {
    missing.push_back(absl::StrCat("the peer script ", peer_script));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "TLS test tools missing: ", absl::StrJoin(missing, ", "), "; run tools/install-deps.sh"));
}

absl::StatusOr<TestCertificate> TestCertificate::Create(const TlsToolPaths& tools,
                                                        absl::string_view common_name) {
  std::string directory = absl::StrCat(fs::temp_directory_path().string(), "/nsfence-tls-XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", directory));
  }
  TestCertificate cert(std::move(directory));
  NSF_RETURN_IF_ERROR(RunSuccessfully({tools.openssl, "req", "-x509", "-newkey", "rsa:2048",
                                       "-nodes", "-days", "1", "-subj",
                                       absl::StrCat("/CN=", common_name), "-keyout",
                                       cert.key_path(), "-out", cert.cert_path()}));
  return cert;
}

TestCertificate::TestCertificate(TestCertificate&& other) noexcept
    : directory_(std::exchange(other.directory_, "")) {}

TestCertificate& TestCertificate::operator=(TestCertificate&& other) noexcept {
  if (this != &other) {
    Remove();
    directory_ = std::exchange(other.directory_, "");
  }
  return *this;
}

TestCertificate::~TestCertificate() { Remove(); }

void TestCertificate::Remove() {
  if (directory_.empty()) return;
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
  directory_.clear();
}

absl::StatusOr<BackgroundProcess> StartOpensslServer(const TlsToolPaths& tools, const Host& host,
                                                     const TestCertificate& cert, int port,
                                                     const OpensslServerOptions& options) {
  std::vector<std::string> argv = {tools.openssl, "s_server",       "-accept", absl::StrCat(port),
                                   "-cert",       cert.cert_path(), "-key",    cert.key_path()};
  if (!options.min_version.empty()) {
    argv.insert(argv.end(), {"-min_protocol", OpensslProtocol(options.min_version)});
  }
  if (!options.max_version.empty()) {
    argv.insert(argv.end(), {"-max_protocol", OpensslProtocol(options.max_version)});
  }
  if (!options.cipher.empty()) argv.insert(argv.end(), {"-cipher", options.cipher});
  if (!options.groups.empty()) argv.insert(argv.end(), {"-groups", options.groups});
  argv.emplace_back("-www");
  return StartServer(host.CommandLine(argv), "ACCEPT",
                     absl::StrCat("openssl s_server on ", host.name(), ":", port));
}

absl::StatusOr<BackgroundProcess> StartPythonTlsServer(const TlsToolPaths& tools, const Host& host,
                                                       const TestCertificate& cert, int port,
                                                       absl::string_view min_version,
                                                       absl::string_view max_version) {
  std::vector<std::string> args = {"tls-serve", absl::StrCat(port), "--cert", cert.cert_path(),
                                   "--key", cert.key_path()};
  if (!min_version.empty()) args.insert(args.end(), {"--min", std::string(min_version)});
  if (!max_version.empty()) args.insert(args.end(), {"--max", std::string(max_version)});
  return StartServer(PeerCommandLine(tools, host, args), "listening",
                     absl::StrCat("python TLS server on ", host.name(), ":", port));
}

absl::StatusOr<BackgroundProcess> StartPlainServer(const TlsToolPaths& tools, const Host& host,
                                                   int port) {
  return StartServer(PeerCommandLine(tools, host, {"plain-serve", absl::StrCat(port)}),
                     "listening", absl::StrCat("plain server on ", host.name(), ":", port));
}

absl::StatusOr<BackgroundProcess> StartRawListener(const TlsToolPaths& tools, const Host& host,
                                                   int port, const RawListenerOptions& options) {
  std::vector<std::string> args = {"raw-listen", absl::StrCat(port)};
  if (options.smtp) args.emplace_back("--smtp");
  if (options.records) args.emplace_back("--records");
  if (options.idle > absl::ZeroDuration()) {
    args.insert(args.end(), {"--idle-ms", absl::StrCat(absl::ToInt64Milliseconds(options.idle))});
  }
  return StartServer(PeerCommandLine(tools, host, args), "listening",
                     absl::StrCat("raw listener on ", host.name(), ":", port));
}

std::string TlsClientName(TlsClient client) {
  switch (client) {
    case TlsClient::kOpenssl:
      return "openssl";
    case TlsClient::kCurl:
      return "curl";
    case TlsClient::kGnutls:
      return "gnutls";
    case TlsClient::kPython:
      return "python";
  }
  return "?";
}

void PrintTo(TlsClient client, std::ostream* out) { *out << TlsClientName(client); }

std::string TlsOutcome::ToString() const {
  const std::string took = absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(1)));
  if (ok) return absl::StrCat("ok ", version, " in ", took);
  return absl::StrCat(timed_out ? "hung, killed after " : "failed in ", took,
                      exit.has_value() ? absl::StrCat(" (", exit->ToString(), ")") : "", ": ",
                      LastLines(output, kQuotedLines), " [", command, "]");
}

void PrintTo(const TlsOutcome& outcome, std::ostream* out) { *out << outcome.ToString(); }

TlsOutcome RunTlsClient(const TlsToolPaths& tools, const Host& from, TlsClient client,
                        const IpAddress& to, int port, const TlsClientOptions& options) {
  std::vector<std::string> argv;
  std::string stdin_text;
  switch (client) {
    case TlsClient::kOpenssl:
      argv = from.CommandLine(OpensslClientArgs(tools, to, port, options));
      stdin_text = kHttpRequest;
      break;
    case TlsClient::kCurl:
      argv = from.CommandLine(CurlArgs(tools, to, port, options));
      break;
    case TlsClient::kGnutls:
      argv = from.CommandLine(GnutlsArgs(tools, to, port, options));
      stdin_text = kHttpRequest;
      break;
    case TlsClient::kPython:
      argv = PeerCommandLine(tools, from, PythonClientArgs(to, port, options));
      break;
  }
  // curl and Python stop at their own timeout; the margin lets them say so.
  const Run run = RunBounded(argv, stdin_text, options.timeout + absl::Seconds(1));
  TlsOutcome outcome{.elapsed = run.elapsed,
                     .timed_out = run.timed_out,
                     .exit = run.exit,
                     .command = run.command,
                     .output = run.output};
  const bool exited_0 = run.exit.has_value() && run.exit->success() && !run.timed_out;
  switch (client) {
    case TlsClient::kOpenssl:
      outcome.ok = exited_0 && absl::StrContains(run.stdout_text, kHttpAnswer);
      outcome.version = NormalizeVersion(WordAfter(run.stdout_text, "Protocol  : ", " \n"));
      break;
    case TlsClient::kCurl:
      outcome.ok = exited_0 && absl::StripAsciiWhitespace(run.stdout_text) == "200";
      outcome.version = NormalizeVersion(WordAfter(run.output, "SSL connection using ", " \n"));
      break;
    case TlsClient::kGnutls:
      outcome.ok = exited_0 && absl::StrContains(run.stdout_text, "- Handshake was completed") &&
                   absl::StrContains(run.stdout_text, kHttpAnswer);
      outcome.version = NormalizeVersion(WordAfter(run.stdout_text, "- Description: (", "-)\n"));
      break;
    case TlsClient::kPython: {
      const std::string last = LastLines(run.stdout_text, 1);
      outcome.ok = exited_0 && absl::StartsWith(last, "ok ");
      outcome.version = outcome.ok ? last.substr(3) : "";
      break;
    }
  }
  if (!outcome.ok) outcome.version.clear();
  return outcome;
}

std::string PeerOutcome::ToString() const {
  return absl::StrCat(result, " (in ",
                      absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(1))),
                      timed_out ? ", killed at its timeout" : "", "): ", LastLines(output, 4));
}

void PrintTo(const PeerOutcome& outcome, std::ostream* out) { *out << outcome.ToString(); }

std::vector<std::string> PeerCommandLine(const TlsToolPaths& tools, const Host& host,
                                         const std::vector<std::string>& args) {
  std::vector<std::string> argv = {tools.python, tools.peer_script};
  argv.insert(argv.end(), args.begin(), args.end());
  return host.CommandLine(argv);
}

PeerOutcome RunPeer(const TlsToolPaths& tools, const Host& from,
                    const std::vector<std::string>& args, absl::Duration timeout) {
  const Run run = RunBounded(PeerCommandLine(tools, from, args), "", timeout);
  PeerOutcome outcome{.elapsed = run.elapsed, .timed_out = run.timed_out, .output = run.output};
  outcome.result = run.timed_out ? "killed at its timeout" : LastLines(run.stdout_text, 1);
  if (outcome.result.empty()) outcome.result = absl::StrCat("no result line: ", run.output);
  return outcome;
}

std::vector<std::string> RawSendArgs(const IpAddress& to, int port, absl::string_view bytes,
                                     const RawSendOptions& options) {
  std::vector<std::string> args = {
      "raw-send",   to.ToString(),
      absl::StrCat(port),
      ToHex(bytes), "--pause-ms",
      absl::StrCat(absl::ToInt64Milliseconds(options.pause)),
      "--timeout",  absl::StrCat(absl::ToDoubleSeconds(options.timeout))};
  if (!options.split.empty()) args.insert(args.end(), {"--split", absl::StrJoin(options.split, ",")});
  if (options.smtp) args.emplace_back("--smtp");
  if (!options.wait_file.empty()) args.insert(args.end(), {"--wait-file", options.wait_file});
  if (options.print_reply) args.emplace_back("--print-reply");
  return args;
}

}  // namespace nsfence::testbed
