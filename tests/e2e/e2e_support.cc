#include "e2e/e2e_support.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "support/kernel_test.h"
#include "support/testbed/command.h"

namespace nsfence::e2e {
namespace {

namespace fs = std::filesystem;

using testbed::CommandResult;
using testbed::ExitStatus;
using testbed::RunCommand;

constexpr char kAgentBinary[] = NSFENCE_BINARY_DIR "/bin/nsfence-agent";
constexpr char kBinDir[] = NSFENCE_BINARY_DIR "/bin";
// Longer than the first SYN retransmission (1 s after the SYN).
constexpr int kTcpTimeoutMs = 1300;
// A reply on the node bridge takes well under a millisecond; the margin is
// for a loaded machine.
constexpr int kUdpTimeoutMs = 1000;
// The comm of every probe and server: "nsfence-netprobe" cut to 15 characters.
constexpr char kProbeComm[] = "nsfence-netprob";
constexpr absl::Duration kServerReady = absl::Seconds(5);
// Far beyond any probe's own timeout.
constexpr absl::Duration kProbeDeadline = absl::Seconds(10);


// Tells apart the bpffs directories of one process's tests.
std::atomic<int> next_bpffs_serial{0};


std::vector<std::string> DedentedLines(absl::string_view text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  const auto blank = [](const std::string& line) {
    return absl::StripAsciiWhitespace(line).empty();
  };
  while (!lines.empty() && blank(lines.front())) lines.erase(lines.begin());
  while (!lines.empty() && blank(lines.back())) lines.pop_back();
  size_t indent = std::string::npos;
  for (const std::string& line : lines) {
    if (!blank(line)) indent = std::min(indent, line.find_first_not_of(' '));
  }
  for (std::string& line : lines) line = blank(line) ? "" : line.substr(indent);
  return lines;
}

bool WriteFileAtomically(const std::string& path, absl::string_view text) {
  const fs::path target(path);
  // The dot keeps the temporary out of the agent's directory watch.
  const fs::path temporary = target.parent_path() / absl::StrCat(".", target.filename().string());
  std::ofstream out(temporary, std::ios::trunc);
  out << text;
  out.close();
  return out.good() && std::rename(temporary.c_str(), path.c_str()) == 0;
}

bool IsEventLine(const std::string& line) { return absl::StartsWith(line, "{"); }

std::string BpftoolPath() {
  return fs::exists("/usr/sbin/bpftool") ? "/usr/sbin/bpftool" : "bpftool";
}

}  // namespace

const IpAddress& AddressOf(const Host& host, Family family) {
  return family == Family::kV4 ? host.ipv4() : host.ipv6();
}

// "10.200.1.2:0" or "[fd00:200::1:2]:0" without the port.
std::string WithoutPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon != absl::string_view::npos) address = address.substr(0, colon);
  absl::ConsumePrefix(&address, "[");
  absl::ConsumeSuffix(&address, "]");
  return std::string(address);
}

std::string Dedent(absl::string_view text) {
  std::string out;
  for (const std::string& line : DedentedLines(text)) absl::StrAppend(&out, line, "\n");
  return out;
}

std::vector<std::string> TcpConnect(const Host& to, int port, Family family) {
  return {"tcp-connect", AddressOf(to, family).ToString(), absl::StrCat(port), "--timeout-ms",
          absl::StrCat(kTcpTimeoutMs)};
}

std::vector<std::string> UdpSend(const Host& to, int port, Family family) {
  return {"udp-send", AddressOf(to, family).ToString(), absl::StrCat(port)};
}

std::vector<std::string> UdpRoundTrip(const Host& to, int port, Family family, bool connected) {
  std::vector<std::string> args = {"udp-send",         AddressOf(to, family).ToString(),
                                   absl::StrCat(port), "--expect-reply",
                                   "--timeout-ms",     absl::StrCat(kUdpTimeoutMs)};
  if (connected) args.push_back("--connected");
  return args;
}

std::string PolicyHead(absl::string_view name, absl::string_view namespace_selector, absl::string_view mode) {
  return absl::Substitute(R"(apiVersion: nsfence.io/v1alpha1
kind: IsolationPolicy
metadata:
  name: $0
spec:
  namespaceSelector: $1
  mode: $2
)",
                          name, namespace_selector, mode);
}

std::string Policy(absl::string_view name, absl::string_view namespace_selector,
                   absl::string_view network, absl::string_view mode) {
  std::string text = absl::StrCat(PolicyHead(name, namespace_selector, mode), "  network:\n");
  for (const std::string& line : DedentedLines(network)) {
    absl::StrAppend(&text, line.empty() ? "" : "    ", line, "\n");
  }
  return text;
}

Peer::Peer(const Pod& pod)
    : Peer(pod.ipv4(), pod.ipv6(), absl::StrCat(pod.namespace_name(), "/", pod.name())) {}

Peer::Peer(const WorldHost& world) : Peer(world.ipv4(), world.ipv6(), "world") {}

Peer Peer::Unknown(const Host& host) { return Peer(host.ipv4(), host.ipv6(), "world"); }

Peer Peer::Node(const Testbed& testbed) {
  const testbed::HostAddresses gateway = testbed.node().plan().Gateway();
  return Peer(gateway.ipv4, gateway.ipv6, "host");
}

const IpAddress& Peer::Ip(Family family) const { return family == Family::kV4 ? ipv4_ : ipv6_; }

std::string Describe(const events::Event& event) {
  return absl::StrCat(event.action(), " ", event.direction(), " ", event.protocol(), " ",
                      event.namespace_(), "/", event.pod(), " ", WithoutPort(event.src()), " -> ",
                      event.dst(), " peer ", event.peer_namespace(),
                      event.peer_pod().empty() ? "" : "/", event.peer_pod(), " policy ",
                      event.policy());
}

std::string Egress(absl::string_view action, absl::string_view protocol, const Pod& pod,
                   const Peer& to, int port, absl::string_view policy, Family family) {
  return absl::StrCat(action, " egress ", protocol, " ", pod.namespace_name(), "/", pod.name(), " ",
                      AddressOf(pod, family).ToString(), " -> ", to.Ip(family).WithPort(port),
                      " peer ", to.name(), " policy ", policy);
}

std::string Ingress(absl::string_view action, absl::string_view protocol, const Pod& pod,
                    const Peer& from, int port, absl::string_view policy, Family family) {
  return absl::StrCat(action, " ingress ", protocol, " ", pod.namespace_name(), "/", pod.name(),
                      " ", from.Ip(family).ToString(), " -> ",
                      AddressOf(pod, family).WithPort(port), " peer ", from.name(), " policy ",
                      policy);
}

void NetworkTest::SetUp() {
  NSFENCE_REQUIRE_KERNEL();
  started_ = absl::Now();
  absl::StatusOr<std::unique_ptr<Testbed>> created = Testbed::Create({.bin_dir = kBinDir, .cgroup_layout = cgroup_layout_});
  ASSERT_TRUE(created.ok()) << created.status();
  testbed_ = *std::move(created);
  for (const auto& [name, tier] :
       {std::pair{"job-a", "job"}, std::pair{"job-b", "job"}, std::pair{"infra", "infra"}}) {
    ASSERT_TRUE(testbed_->AddNamespace(name, {{"nsfence.io/tier", tier}}).ok()) << name;
  }
  for (const auto& [pod, ns, name] :
       {std::tuple{&runner_, "job-a", "runner"}, std::tuple{&helper_, "job-a", "helper"},
        std::tuple{&worker_, "job-b", "worker"}, std::tuple{&cache_, "infra", "cache"}}) {
    absl::StatusOr<Pod*> added = testbed_->AddPod(ns, name);
    ASSERT_TRUE(added.ok()) << added.status();
    *pod = *added;
  }
  for (const auto& [host, name] :
       {std::pair{&internet_, "internet"}, std::pair{&intranet_, "intranet"}}) {
    absl::StatusOr<WorldHost*> added = testbed_->AddWorldHost(name);
    ASSERT_TRUE(added.ok()) << added.status();
    *host = *added;
  }

  std::string work_template =
      absl::StrCat(fs::temp_directory_path().string(), "/nsfence-e2e-XXXXXX");
  ASSERT_NE(mkdtemp(work_template.data()), nullptr) << "mkdtemp " << work_template;
  work_dir_ = work_template;
  policy_dir_ = absl::StrCat(work_dir_, "/policies");
  ASSERT_TRUE(fs::create_directory(policy_dir_));
  inventory_path_ = absl::StrCat(work_dir_, "/inventory.yaml");
  ASSERT_NO_FATAL_FAILURE(WriteInventory());
  // Not below work_dir_: the agent mounts a bpffs of its own here.
  bpffs_dir_ = absl::StrCat("/tmp/nsfence-test-", getpid(), "-bpffs-", next_bpffs_serial++);
}

void NetworkTest::TearDown() {
  if (HasFailure()) {
    for (size_t i = 0; i < agents_.size(); ++i) {
      std::cerr << "---- agent " << i + 1 << " of " << agents_.size() << ", stderr:\n"
                << agents_[i]->StderrText() << "---- stdout:\n"
                << agents_[i]->StdoutText() << "----\n";
    }
  }
  servers_.clear();
  for (const std::unique_ptr<AgentProcess>& agent : agents_) {
    if (!agent->exit_status().has_value()) agent->Terminate(AgentProcess::kStopGrace);
  }
  RemoveBpffs();
  if (!work_dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(work_dir_, ignored);
  }
  testbed_.reset();
}

void NetworkTest::RemoveBpffs() {
  if (bpffs_dir_.empty() || !fs::exists(bpffs_dir_)) return;
  // What a test left pinned (kept on exit, or after a SIGKILL it did not
  // recover from) goes the way an operator would remove it: an agent adopts
  // the pins and detaches on SIGTERM.
  if (testbed_ != nullptr && !Pins().empty()) {
    absl::StatusOr<AgentProcess> cleaner = AgentProcess::Start(kAgentBinary, AgentArgs({}));
    if (cleaner.ok() && cleaner->WaitForStderr("ready: ", kAgentReady)) {
      cleaner->Terminate(AgentProcess::kStopGrace);
    }
  }
  if (BpffsMounted()) umount2(bpffs_dir_.c_str(), MNT_DETACH);
  std::error_code ignored;
  fs::remove_all(bpffs_dir_, ignored);
}

std::string NetworkTest::WritePolicy(absl::string_view name, absl::string_view text) {
  const std::string path = absl::StrCat(policy_dir_, "/", name, ".yaml");
  EXPECT_TRUE(WriteFileAtomically(path, text)) << path;
  return path;
}

void NetworkTest::WriteFile(const std::string& path, absl::string_view text) {
  EXPECT_TRUE(WriteFileAtomically(path, text)) << path;
}

void NetworkTest::WriteInventory() {
  const absl::Status written = testbed_->WriteInventory(inventory_path_);
  ASSERT_TRUE(written.ok()) << written;
}

std::vector<std::string> NetworkTest::AgentArgs(const AgentFlags& flags) const {
  std::vector<std::string> args = InventoryArgs();
  const std::vector<std::string> common = {
      "--policy", policy_dir_, "--bpffs", bpffs_dir_,
      // Any free port: agents of other runs may hold the default.
      "--metrics-address=127.0.0.1:0",
      // Tests count every event; aggregation has tests of its own.
      "--aggregate-seconds=0",
      // This test's own: never /run/nsfence, where a real agent may listen.
      absl::StrCat("--admin-socket=", work_dir_, "/agent.sock")};
  args.insert(args.end(), common.begin(), common.end());
  if (flags.keep_enforcement_on_exit) args.push_back("--keep-enforcement-on-exit");
  args.insert(args.end(), flags.extra_args.begin(), flags.extra_args.end());
  return args;
}

std::vector<std::string> NetworkTest::InventoryArgs() const {
  return {"--inventory", inventory_path_, "--cgroup-root", testbed_->cgroup_root()};
}

std::string NetworkTest::AgentMetricsAddress() {
  const std::string log = agent().StderrText();
  const std::string marker = "metrics on http://";
  const size_t at = log.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return log.substr(start, log.find("/metrics", start) - start);
}

void NetworkTest::StartAgent(AgentFlags flags) {
  absl::StatusOr<AgentProcess> started = AgentProcess::Start(kAgentBinary, AgentArgs(flags));
  ASSERT_TRUE(started.ok()) << started.status();
  agents_.push_back(std::make_unique<AgentProcess>(*std::move(started)));
  ASSERT_TRUE(agent().WaitForStderr("ready: ", kAgentReady)) << agent().StderrText();
}

void NetworkTest::StopAgent() {
  const ExitStatus stopped = agent().Terminate(AgentProcess::kStopGrace);
  EXPECT_TRUE(stopped.success()) << stopped.ToString();
  ASSERT_TRUE(agent().WaitForOutputEnd(kAgentReacts));
}

void NetworkTest::WaitForGeneration(int n) {
  ASSERT_TRUE(
      agent().WaitForStderr(absl::StrCat("policy applied: generation=", n, " "), kAgentReacts))
      << "generation " << n << " not applied";
}

void NetworkTest::WaitForEvents(int count) {
  ASSERT_TRUE(agent().WaitForStdoutLines(IsEventLine, count, kAgentReacts))
      << "expected " << count << " events, got:\n"
      << agent().StdoutText();
}

std::string ScrapeMetrics(const std::string& address) {
  absl::StatusOr<testbed::CommandResult> r = testbed::RunCommand(
      {"curl", "-sS", "--max-time", "5", absl::StrCat("http://", address, "/metrics")});
  if (!r.ok() || r->exit.code != 0) return "";
  return r->stdout_text;
}

std::optional<double> MetricSample(const std::string& exposition, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line), &value)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> NetworkTest::Events() {
  std::vector<std::string> described;
  for (const events::Event& event : ParsedEvents()) described.push_back(Describe(event));
  return described;
}

std::vector<events::Event> NetworkTest::ParsedEvents() {
  std::vector<events::Event> parsed_events;
  for (const std::unique_ptr<AgentProcess>& agent : agents_) {
    for (const std::string& line : agent->StdoutLines()) {
      events::Event event;
      google::protobuf::util::JsonParseOptions strict;
      strict.ignore_unknown_fields = false;
      if (const auto parsed = google::protobuf::util::JsonStringToMessage(line, &event, strict);
          !parsed.ok()) {
        ADD_FAILURE() << "not an event: " << line << " (" << parsed.ToString() << ")";
        continue;
      }
      const absl::Time time =
          absl::FromUnixSeconds(event.time().seconds()) + absl::Nanoseconds(event.time().nanos());
      EXPECT_TRUE(time >= started_ - absl::Seconds(1) && time <= absl::Now() + absl::Seconds(1))
          << "event time outside the test: " << line;
      if (event.kind() == "privileged" || event.kind() == "device") {
        // Judged in the context of the process that execs or opens.
        EXPECT_NE(event.pid(), 0u) << line;
        EXPECT_NE(event.comm(), "") << line;
        EXPECT_EQ(event.direction(), "") << line;
      } else if (event.kind() == "response") {
        // The agent's own doing (agent/responder.h), about a pod.
        EXPECT_TRUE(event.response() == "quarantine" || event.response() == "kill-pod-processes" ||
                    event.response() == "release") << line;
        EXPECT_TRUE(event.action() == "taken" || event.action() == "audited" || event.action() == "failed") << line;
        EXPECT_EQ(event.error().empty(), event.action() != "failed") << line;
        EXPECT_NE(event.pod(), "") << line;
        EXPECT_NE(event.policy(), "") << line;
        EXPECT_EQ(event.pid(), 0u) << line;
      } else if (event.kind() != "network") {
        ADD_FAILURE() << "unexpected event kind: " << line;
      } else if (event.direction() == "egress") {
        // The sending process is known at connect() and sendmsg().
        EXPECT_NE(event.pid(), 0u) << line;
        EXPECT_EQ(event.comm(), kProbeComm) << line;
      } else {
        EXPECT_EQ(event.pid(), 0u) << line;
        EXPECT_EQ(event.comm(), "") << line;
      }
      parsed_events.push_back(std::move(event));
    }
  }
  return parsed_events;
}

std::string NetworkTest::Probe(const Host& from, const std::vector<std::string>& probe) {
  std::vector<std::string> argv = {testbed_->tools().netprobe};
  argv.insert(argv.end(), probe.begin(), probe.end());
  absl::StatusOr<CommandResult> result = RunCommand(from.CommandLine(argv));
  if (!result.ok()) return result.status().ToString();
  const std::string line(absl::StripTrailingAsciiWhitespace(result->stdout_text));
  // Exit status and line agree unless the probe itself failed (usage, exec).
  if (result->exit.success() == (line == kOk)) return line;
  return absl::StrCat(line, " [", result->exit.ToString(), "] ", result->stderr_text);
}

void NetworkTest::ExpectProbes(const std::vector<Expectation>& table) {
  std::vector<std::optional<BackgroundProcess>> running;
  for (const Expectation& row : table) {
    std::vector<std::string> argv = {testbed_->tools().netprobe};
    argv.insert(argv.end(), row.probe.begin(), row.probe.end());
    absl::StatusOr<BackgroundProcess> started =
        BackgroundProcess::Start(row.from.CommandLine(argv));
    EXPECT_TRUE(started.ok()) << started.status();
    running.push_back(started.ok() ? std::optional(*std::move(started)) : std::nullopt);
  }
  for (size_t i = 0; i < table.size(); ++i) {
    if (!running[i].has_value()) continue;
    const std::optional<ExitStatus> exit = running[i]->Wait(kProbeDeadline);
    EXPECT_TRUE(exit.has_value() && running[i]->WaitForOutputEnd(kProbeDeadline));
    EXPECT_EQ(std::string(absl::StripTrailingAsciiWhitespace(running[i]->StdoutText())),
              table[i].outcome)
        << "netprobe " << absl::StrJoin(table[i].probe, " ") << " on " << table[i].from.name()
        << (exit.has_value() ? " [" + exit->ToString() + "] " : " [still running] ")
        << running[i]->StderrText();
  }
}

std::string NetworkTest::ProbeFromNode(const std::vector<std::string>& probe) {
  // The node's namespace has no cgroup of its own in the testbed; a world
  // host's keeps the process out of every pod and is cleaned up with it.
  std::vector<std::string> argv = {
      testbed_->tools().podexec,       "--cgroup", internet_->process_cgroup(), "--netns",
      testbed_->node().netns().name(), "--",       testbed_->tools().netprobe};
  argv.insert(argv.end(), probe.begin(), probe.end());
  absl::StatusOr<CommandResult> result = RunCommand(argv);
  if (!result.ok()) return result.status().ToString();
  return std::string(absl::StripTrailingAsciiWhitespace(result->stdout_text));
}

int NetworkTest::SynRetransmissions(const Host& host) {
  // /proc/net is the reader's network namespace's.
  absl::StatusOr<CommandResult> netstat =
      RunCommand(host.CommandLine({"cat", "/proc/net/netstat"}));
  if (!netstat.ok() || !netstat->exit.success()) {
    ADD_FAILURE() << "reading /proc/net/netstat on " << host.name();
    return -1;
  }
  // Pairs of lines: "TcpExt: <names...>" then "TcpExt: <values...>".
  const std::vector<std::string> lines = absl::StrSplit(netstat->stdout_text, '\n');
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!absl::StartsWith(lines[i], "TcpExt:")) continue;
    const std::vector<std::string> names = absl::StrSplit(lines[i], ' ');
    const std::vector<std::string> values = absl::StrSplit(lines[i + 1], ' ');
    for (size_t j = 0; j < names.size() && j < values.size(); ++j) {
      int count = 0;
      if (names[j] == "TCPSynRetrans" && absl::SimpleAtoi(values[j], &count)) return count;
    }
  }
  ADD_FAILURE() << "no TCPSynRetrans in /proc/net/netstat on " << host.name();
  return -1;
}

bool NetworkTest::Serve(const Host& host, const std::string& kind, const std::vector<int>& ports) {
  for (int port : ports) {
    absl::StatusOr<BackgroundProcess> server = BackgroundProcess::Start(
        host.CommandLine({testbed_->tools().netprobe, kind, absl::StrCat(port)}));
    if (!server.ok()) {
      ADD_FAILURE() << server.status();
      return false;
    }
    if (!server->WaitForStdout("listening", kServerReady)) {
      ADD_FAILURE() << kind << " " << port << " on " << host.name()
                    << " not ready: " << server->StderrText();
      return false;
    }
    servers_.push_back(*std::move(server));
  }
  return true;
}

bool NetworkTest::ServeTcp(const Host& host, const std::vector<int>& ports) {
  return Serve(host, "tcp-serve", ports);
}

bool NetworkTest::ServeUdp(const Host& host, const std::vector<int>& ports) {
  return Serve(host, "udp-echo", ports);
}

std::vector<std::string> NetworkTest::AttachedPrograms() {
  absl::StatusOr<CommandResult> shown =
      RunCommand({BpftoolPath(), "-j", "cgroup", "show", testbed_->cgroup_root()});
  if (!shown.ok() || !shown->exit.success()) {
    ADD_FAILURE() << "bpftool cgroup show: "
                  << (shown.ok() ? shown->stderr_text : shown.status().ToString());
    return {};
  }
  // An empty cgroup prints nothing rather than [].
  const std::string json(absl::StripAsciiWhitespace(shown->stdout_text));
  google::protobuf::ListValue programs;
  if (const auto parsed =
          google::protobuf::util::JsonStringToMessage(json.empty() ? "[]" : json, &programs);
      !parsed.ok()) {
    ADD_FAILURE() << "bpftool output: " << parsed.ToString() << ": " << json;
    return {};
  }
  std::vector<std::string> attach_types;
  for (const google::protobuf::Value& program : programs.values()) {
    const auto& fields = program.struct_value().fields();
    const auto type = fields.find("attach_type");
    attach_types.push_back(type == fields.end() ? "?" : type->second.string_value());
  }
  std::sort(attach_types.begin(), attach_types.end());
  return attach_types;
}

std::vector<std::string> NetworkTest::Pins() {
  std::vector<std::string> pins;
  std::error_code error;
  for (fs::recursive_directory_iterator it(bpffs_dir_, error), end; !error && it != end;
       it.increment(error)) {
    pins.push_back(fs::relative(it->path(), bpffs_dir_).string());
  }
  std::sort(pins.begin(), pins.end());
  return pins;
}

bool NetworkTest::BpffsMounted() const {
  std::ifstream mounts("/proc/mounts");
  for (std::string line; std::getline(mounts, line);) {
    const std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 2 && fields[1] == bpffs_dir_ && fields[2] == "bpf") return true;
  }
  return false;
}

}  // namespace nsfence::e2e
