// A fixture for end-to-end tests of the real agent on a testbed node:
//
//   namespace  labels                 pods (IPv4, IPv6)
//   job-a      nsfence.io/tier=job    runner 10.200.1.2 fd00:200::1:2, helper 10.200.1.3
//   job-b      nsfence.io/tier=job    worker 10.200.2.2 fd00:200::2:2
//   infra      nsfence.io/tier=infra  cache  10.200.3.2 fd00:200::3:2
//   world hosts on the node bridge:   internet 10.200.255.2, intranet 10.200.255.3
//
// Tests write policy files, start the agent on them (always on the testbed's
// cgroup root and a private bpffs), run nsfence-netprobe between hosts and
// compare the events the agent printed, one line per event, with what the
// flows must have produced:
//
//   WritePolicy("isolate", Policy("isolate", kJobNamespaces, "crossNamespace: deny"));
//   ASSERT_NO_FATAL_FAILURE(StartAgent());
//   EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
//   ASSERT_NO_FATAL_FAILURE(StopAgent());
//   EXPECT_THAT(Events(),
//               ElementsAre(Egress("blocked", "tcp", *runner_, *worker_, 8080, "isolate")));
#ifndef NSFENCE_TESTS_E2E_E2E_SUPPORT_H_
#define NSFENCE_TESTS_E2E_E2E_SUPPORT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/ip.h"
#include "events/events.pb.h"
#include "gtest/gtest.h"
#include "support/testbed/agent_process.h"
#include "support/testbed/background_process.h"
#include "support/testbed/testbed.h"

namespace nsfence::e2e {

using testbed::AgentProcess;
using testbed::BackgroundProcess;
using testbed::Host;
using testbed::Pod;
using testbed::Testbed;
using testbed::WorldHost;

// What nsfence-netprobe prints.
inline constexpr char kOk[] = "ok";
// Refused by the agent at connect() or sendmsg().
inline constexpr char kDenied[] = "error EPERM Operation not permitted";
// Dropped on the way in: the client never hears back.
inline constexpr char kTimedOut[] = "error ETIMEDOUT Connection timed out";

// A namespaceSelector of the fixture's job namespaces, for policies.
inline constexpr char kJobNamespaces[] = "{matchLabels: {nsfence.io/tier: job}}";

enum class Family { kV4, kV6 };

const IpAddress& AddressOf(const Host& host, Family family);
// "10.200.1.2:0" or "[fd00:200::1:2]:0" without the port.
std::string WithoutPort(absl::string_view address);

// nsfence-netprobe arguments. Probes that are expected to time out wait only
// a little longer than the first SYN retransmission (1 s), so folding of
// retransmissions is exercised without slowing the suite down.
std::vector<std::string> TcpConnect(const Host& to, int port, Family family = Family::kV4);
// A datagram, unconnected (judged at sendmsg()) without waiting for a reply.
std::vector<std::string> UdpSend(const Host& to, int port, Family family = Family::kV4);
// A datagram to an echo server, waiting for the echo; `connected`: through a
// connected socket (judged at connect()).
std::vector<std::string> UdpRoundTrip(const Host& to, int port, Family family = Family::kV4,
                                      bool connected = false);

// `text` without the indentation its non-blank lines share and without blank
// lines at either end, so YAML can be written in raw strings indented like the
// code around them.
std::string Dedent(absl::string_view text);

// An IsolationPolicy document up to its sections (spec.namespaceSelector and
// spec.mode are its last lines).
std::string PolicyHead(absl::string_view name, absl::string_view namespace_selector,
                       absl::string_view mode = "enforce");

// An IsolationPolicy document: `network` is the body of spec.network in block
// YAML (dedented).
std::string Policy(absl::string_view name, absl::string_view namespace_selector,
                   absl::string_view network, absl::string_view mode = "enforce");

// The other end of a flow, as events name it: a pod, a world host, or the
// node itself.
class Peer {
 public:
  // Implicit, so expectations can name testbed hosts directly.
  Peer(const Pod& pod);          // NOLINT(google-explicit-constructor)
  Peer(const WorldHost& world);  // NOLINT(google-explicit-constructor)
  // A host the agent does not know as a pod (yet): events call it "world".
  static Peer Unknown(const Host& host);
  // The node's own addresses (the bridge): "host".
  static Peer Node(const Testbed& testbed);

  const IpAddress& Ip(Family family) const;
  // "job-b/worker", "world" or "host".
  const std::string& name() const { return name_; }

 private:
  Peer(IpAddress ipv4, IpAddress ipv6, std::string name)
      : ipv4_(std::move(ipv4)), ipv6_(std::move(ipv6)), name_(std::move(name)) {}

  IpAddress ipv4_;
  IpAddress ipv6_;
  std::string name_;
};

// An event in one line that reads well in failure messages:
//   "blocked egress tcp job-a/runner 10.200.1.2 -> 10.200.2.2:8080 peer job-b/worker
//    policy isolate"
// src is given without its port: it is the initiator's, ephemeral (or 0 for
// a socket not bound yet).
std::string Describe(const events::Event& event);
// What Describe gives for the event of a flow that `pod` sent to `to`:`port`.
std::string Egress(absl::string_view action, absl::string_view protocol, const Pod& pod,
                   const Peer& to, int port, absl::string_view policy, Family family = Family::kV4);
// ... and for one that `from` sent to `pod`:`port`.
std::string Ingress(absl::string_view action, absl::string_view protocol, const Pod& pod,
                    const Peer& from, int port, absl::string_view policy,
                    Family family = Family::kV4);

// An agent's /metrics in the Prometheus text format, or "" when unreachable.
std::string ScrapeMetrics(const std::string& address);
// The value of the sample `series` (name with its labels, as exposed), or
// nullopt when the exposition has none.
std::optional<double> MetricSample(const std::string& exposition, const std::string& series);

struct AgentFlags {
  bool keep_enforcement_on_exit = false;
  std::vector<std::string> extra_args;  // appended, e.g. {"--exec-backend=tracepoint"}
};

class NetworkTest : public ::testing::Test {
 protected:
  // Generous: the agent loads and verifies its programs at start.
  static constexpr absl::Duration kAgentReady = absl::Seconds(15);
  // For anything the agent does in reaction to a file, signal or packet.
  static constexpr absl::Duration kAgentReacts = absl::Seconds(5);

  void SetUp() override;
  void TearDown() override;

  // Writes policies/<name>.yaml atomically (aside, then renamed into place),
  // so a running agent never reads half of it. Returns its path.
  std::string WritePolicy(absl::string_view name, absl::string_view text);
  // Writes `text` to `path` atomically.
  void WriteFile(const std::string& path, absl::string_view text);
  // A scratch directory of this test, removed at its end.
  const std::string& work_dir() const { return work_dir_; }
  const std::string& policy_dir() const { return policy_dir_; }
  const std::string& inventory_path() const { return inventory_path_; }
  // Writes the inventory of what the testbed holds now.
  void WriteInventory();

  // Starts an agent on the policies directory, the inventory, the testbed's
  // cgroup root and this test's bpffs directory, and waits until it is ready.
  void StartAgent(AgentFlags flags = {});
  // The agent started last.
  AgentProcess& agent() { return *agents_.back(); }
  // Where the agent started last serves metrics ("127.0.0.1:NNNN", from its
  // "metrics on http://..." log line); empty before it logged one.
  std::string AgentMetricsAddress();
  // SIGTERM; expects a clean exit and waits until all its output is read.
  void StopAgent();
  // Waits until the agent logged that generation `n` is in force.
  void WaitForGeneration(int n);
  // Waits until the agent started last printed `count` events.
  void WaitForEvents(int count);

  // Every event printed by every agent of this test, in order. Lines that
  // are not events, and events that break the event schema's invariants, are
  // test failures.
  std::vector<events::Event> ParsedEvents();
  // The same, described.
  std::vector<std::string> Events();

  // Runs nsfence-netprobe on `from`: its result line, or why there is none.
  std::string Probe(const Host& from, const std::vector<std::string>& probe);
  // A row of a table of expectations: `probe` run on `from` prints `outcome`.
  struct Expectation {
    const Host& from;
    std::vector<std::string> probe;
    std::string outcome;
  };
  // Runs every probe at once (they are independent; those expected to time
  // out then cost one timeout in all) and checks each outcome.
  void ExpectProbes(const std::vector<Expectation>& table);
  // Runs nsfence-netprobe in the node's own network namespace (a "host"
  // peer, like a kubelet probe): its result line.
  std::string ProbeFromNode(const std::vector<std::string>& probe);
  // SYN retransmissions `host`'s network namespace made so far (TcpExt
  // TCPSynRetrans): shows that a timed-out probe did retransmit.
  int SynRetransmissions(const Host& host);
  // Starts a TCP echo server (tcp-serve) or UDP echo server (udp-echo) on each
  // port, until the end of the test.
  bool ServeTcp(const Host& host, const std::vector<int>& ports);
  bool ServeUdp(const Host& host, const std::vector<int>& ports);

  // `bpftool cgroup show` of the cgroup root: the attach types of the
  // programs attached there, sorted.
  std::vector<std::string> AttachedPrograms();
  // Entries pinned below the bpffs directory (recursively), sorted.
  std::vector<std::string> Pins();
  const std::string& bpffs_dir() const { return bpffs_dir_; }
  bool BpffsMounted() const;

  // Where the agent learns the inventory and which cgroup it enforces below:
  // the inventory file and the testbed's root here.
  virtual std::vector<std::string> InventoryArgs() const;

  // Set before SetUp (in a subclass's constructor): how pods' cgroups are laid out.
  testbed::CgroupLayout cgroup_layout_ = testbed::CgroupLayout::kByNamespace;
  std::unique_ptr<Testbed> testbed_;
  Pod* runner_ = nullptr;
  Pod* helper_ = nullptr;
  Pod* worker_ = nullptr;
  Pod* cache_ = nullptr;
  WorldHost* internet_ = nullptr;
  WorldHost* intranet_ = nullptr;

 private:
  bool Serve(const Host& host, const std::string& kind, const std::vector<int>& ports);
  std::vector<std::string> AgentArgs(const AgentFlags& flags) const;
  // Whatever the test did, leaves no pins, mounts or attachments behind.
  void RemoveBpffs();

  absl::Time started_;
  std::string work_dir_;
  std::string policy_dir_;
  std::string inventory_path_;
  std::string bpffs_dir_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
  std::vector<BackgroundProcess> servers_;
};

}  // namespace nsfence::e2e

#endif  // NSFENCE_TESTS_E2E_E2E_SUPPORT_H_
