// Graduated response (spec.response) against the real agent and kernel: a
// pod that reaches a policy's threshold is quarantined by the datapath (no
// traffic, not even within its namespace, established connections included)
// until `nsfencectl release`; kill-pod-processes kills what runs in the pod.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "agent/status.pb.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "support/testbed/command.h"
#include "support/testbed/exec.h"

namespace nsfence::e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kCtlBinary[] = NSFENCE_BINARY_DIR "/bin/nsfencectl";
constexpr char kIsolate[] = "isolate";

// Cross-namespace traffic denied; `response` is the body of spec.response.
std::string IsolateWithResponse(absl::string_view response) {
  std::string text = Policy(kIsolate, kJobNamespaces, "crossNamespace: deny");
  absl::StrAppend(&text, "  response:\n", response);
  return text;
}

class ResponseTest : public NetworkTest {
 protected:
  std::string SocketPath() const { return absl::StrCat(work_dir(), "/agent.sock"); }

  testbed::CommandResult Ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kCtlBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--socket");
    argv.push_back(SocketPath());
    absl::StatusOr<testbed::CommandResult> run = testbed::RunCommand(argv);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : testbed::CommandResult{};
  }

  agent::Status CurrentStatus() {
    const testbed::CommandResult run = Ctl({"status"});
    agent::Status status;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(run.stdout_text, &status).ok()) << run.stdout_text;
    return status;
  }

  std::optional<double> Metric(const std::string& series) {
    return MetricSample(ScrapeMetrics(AgentMetricsAddress()), series);
  }

  // Events of kind "response", in order.
  std::vector<events::Event> Responses() {
    std::vector<events::Event> out;
    for (events::Event& e : ParsedEvents()) {
      if (e.kind() == "response") out.push_back(std::move(e));
    }
    return out;
  }
};

TEST_F(ResponseTest, QuarantineCutsEvenSameNamespaceTrafficUntilReleased) {
  WritePolicy(kIsolate, IsolateWithResponse("    - when: {kind: network, count: 3, within: 60s}\n"
                                            "      action: quarantine\n"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  ASSERT_TRUE(ServeTcp(*helper_, {8080}));
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  // Before: runner and helper (both job-a) talk freely, both ways, and keep
  // a connection open.
  ExpectProbes({{*runner_, TcpConnect(*helper_, 8080), kOk}, {*helper_, TcpConnect(*runner_, 8080), kOk}});
  absl::StatusOr<BackgroundProcess> chat = testbed::StartInPod(
      *helper_, {testbed_->tools().netprobe, "tcp-chat", runner_->ipv4().ToString(), "8080", "--timeout-ms", "1000"});
  ASSERT_TRUE(chat.ok()) << chat.status();
  ASSERT_TRUE(chat->WaitForStdout("echo 2", kAgentReacts)) << chat->StdoutText();

  // Two violations: below the threshold, nothing happens.
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  EXPECT_EQ(Probe(*runner_, TcpConnect(*helper_, 8080)), kOk);
  EXPECT_EQ(Metric("nsfence_quarantined_pods"), 0);
  // The third: quarantined.
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_TRUE(agent().WaitForStdout("\"response\":\"quarantine\"", kAgentReacts)) << agent().StdoutText();

  // No traffic, either way, even within job-a; the open connection stalls.
  ExpectProbes({
      {*runner_, TcpConnect(*helper_, 8080), kDenied},
      {*helper_, TcpConnect(*runner_, 8080), kTimedOut},
      {*runner_, UdpSend(*helper_, 5353), kDenied},
  });
  const std::optional<testbed::ExitStatus> chat_end = chat->Wait(kAgentReacts);
  ASSERT_TRUE(chat_end.has_value()) << "the open connection still talks: " << chat->StdoutText();
  EXPECT_FALSE(chat_end->success());
  EXPECT_THAT(chat->StdoutText(), HasSubstr("error ETIMEDOUT"));

  agent::Status status = CurrentStatus();
  ASSERT_THAT(status.quarantined_pods(), SizeIs(1));
  EXPECT_EQ(status.quarantined_pods(0).pod(), "job-a/runner");
  EXPECT_EQ(status.quarantined_pods(0).policy(), kIsolate);
  EXPECT_FALSE(status.quarantined_pods(0).since().empty());
  EXPECT_EQ(Metric("nsfence_quarantined_pods"), 1);
  EXPECT_GT(status.kernel_counters().at("quarantine_dropped"), 0u);
  EXPECT_EQ(Metric(R"(nsfence_responses_total{namespace="job-a",response="quarantine",result="taken"})"), 1);

  // Release: everything flows again.
  const testbed::CommandResult released = Ctl({"release", "job-a/runner"});
  EXPECT_TRUE(released.exit.success()) << released.stderr_text;
  EXPECT_EQ(released.stdout_text, "released job-a/runner\n");
  ExpectProbes({{*runner_, TcpConnect(*helper_, 8080), kOk}, {*helper_, TcpConnect(*runner_, 8080), kOk}});
  EXPECT_THAT(CurrentStatus().quarantined_pods(), IsEmpty());
  EXPECT_EQ(Metric("nsfence_quarantined_pods"), 0);
  // Releasing again, or a pod that is not there, says why not.
  const testbed::CommandResult again = Ctl({"release", "job-a/runner"});
  EXPECT_EQ(again.exit.code, 1);
  EXPECT_THAT(again.stderr_text, HasSubstr("pod job-a/runner is not quarantined"));
  EXPECT_THAT(Ctl({"release", "job-a/nobody"}).stderr_text, HasSubstr("no pod job-a/nobody runs on this node"));
  EXPECT_EQ(Ctl({"release", "not-a-pod"}).exit.code, 2);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  EXPECT_THAT(agent().StderrText(), HasSubstr("(5 violations, 0 held back by rate limits) and 2 response lines"));

  const std::vector<events::Event> responses = Responses();
  ASSERT_THAT(responses, SizeIs(2));
  EXPECT_EQ(responses[0].response(), "quarantine");
  EXPECT_EQ(responses[0].action(), "taken");
  EXPECT_EQ(responses[0].namespace_(), "job-a");
  EXPECT_EQ(responses[0].pod(), "runner");
  EXPECT_EQ(responses[0].policy(), kIsolate);
  EXPECT_EQ(responses[0].count(), 3u);
  EXPECT_EQ(responses[0].reason(), "3 network violations within 1m");
  EXPECT_EQ(responses[1].response(), "release");
  EXPECT_EQ(responses[1].action(), "taken");
  // The refusals during the quarantine are events naming it.
  std::vector<std::string> quarantined;
  for (const events::Event& e : ParsedEvents()) {
    if (e.reason() == "quarantined") quarantined.push_back(absl::StrCat(e.direction(), " ", e.protocol(), " ", e.dst()));
  }
  EXPECT_THAT(quarantined, Contains(absl::StrCat("egress tcp ", helper_->ipv4().ToString(), ":8080")));
  EXPECT_THAT(quarantined, Contains(absl::StrCat("egress udp ", helper_->ipv4().ToString(), ":5353")));
}

TEST_F(ResponseTest, AQuarantineOutlivesAnAgentRestart) {
  WritePolicy(kIsolate, IsolateWithResponse("    - when: {kind: network}\n"
                                            "      action: quarantine\n"));
  ASSERT_NO_FATAL_FAILURE(StartAgent({.keep_enforcement_on_exit = true}));
  ASSERT_TRUE(ServeTcp(*helper_, {8080}));
  ASSERT_TRUE(ServeTcp(*runner_, {8080}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kDenied);
  ASSERT_TRUE(agent().WaitForStdout("\"response\":\"quarantine\"", kAgentReacts)) << agent().StdoutText();
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // No agent: the pinned map keeps the pod quarantined.
  EXPECT_EQ(Probe(*runner_, TcpConnect(*helper_, 8080)), kDenied);

  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_THAT(agent().StderrText(), HasSubstr("1 pods stay quarantined from before this start"));
  const agent::Status status = CurrentStatus();
  ASSERT_THAT(status.quarantined_pods(), SizeIs(1));
  EXPECT_EQ(status.quarantined_pods(0).pod(), "job-a/runner");
  EXPECT_EQ(status.quarantined_pods(0).policy(), kIsolate);
  EXPECT_EQ(status.quarantined_pods(0).since(), "") << "not known to this agent";
  EXPECT_EQ(Metric("nsfence_quarantined_pods"), 1);
  EXPECT_EQ(Probe(*helper_, TcpConnect(*runner_, 8080)), kTimedOut);
  EXPECT_TRUE(Ctl({"release", "job-a/runner"}).exit.success());
  EXPECT_EQ(Probe(*runner_, TcpConnect(*helper_, 8080)), kOk);
  ASSERT_NO_FATAL_FAILURE(StopAgent());
}

TEST_F(ResponseTest, KillPodProcessesKillsEveryProcessOfThePod) {
  WritePolicy(kIsolate, IsolateWithResponse("    - when: {kind: network}\n"
                                            "      action: kill-pod-processes\n"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  absl::StatusOr<BackgroundProcess> sleeper = testbed::StartInPod(*runner_, {"sleep", "60"});
  ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  absl::StatusOr<BackgroundProcess> bystander = testbed::StartInPod(*worker_, {"sleep", "60"});
  ASSERT_TRUE(bystander.ok()) << bystander.status();

  // The probe is in the pod too: it prints its EPERM, or dies with the pod
  // before it prints anything.
  const std::string probe = Probe(*runner_, TcpConnect(*worker_, 8080));
  EXPECT_TRUE(probe == kDenied || probe.empty()) << probe;
  const std::optional<testbed::ExitStatus> killed = sleeper->Wait(kAgentReacts);
  ASSERT_TRUE(killed.has_value()) << "the pod's process still runs";
  EXPECT_EQ(killed->signal, SIGKILL) << killed->ToString();
  EXPECT_FALSE(bystander->Wait(absl::Milliseconds(200)).has_value()) << "another pod's process was killed";
  EXPECT_EQ(Metric(R"(nsfence_responses_total{namespace="job-a",response="kill-pod-processes",result="taken"})"), 1);
  ASSERT_NO_FATAL_FAILURE(StopAgent());

  const std::vector<events::Event> responses = Responses();
  ASSERT_THAT(responses, SizeIs(1));
  EXPECT_EQ(responses[0].response(), "kill-pod-processes");
  EXPECT_EQ(responses[0].action(), "taken");
  EXPECT_EQ(responses[0].pod(), "runner");
  EXPECT_EQ(responses[0].reason(), "1 network violation within 1m");
}

TEST_F(ResponseTest, AnAuditPolicyOnlyReportsItsResponse) {
  WritePolicy(kIsolate, absl::StrCat(Policy(kIsolate, kJobNamespaces, "crossNamespace: deny", "audit"),
                                     "  response:\n"
                                     "    - when: {kind: network}\n"
                                     "      action: quarantine\n"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(ServeTcp(*worker_, {8080}));
  ASSERT_TRUE(ServeTcp(*helper_, {8080}));
  EXPECT_EQ(Probe(*runner_, TcpConnect(*worker_, 8080)), kOk);
  ASSERT_TRUE(agent().WaitForStdout("\"response\":\"quarantine\"", kAgentReacts)) << agent().StdoutText();
  EXPECT_EQ(Probe(*runner_, TcpConnect(*helper_, 8080)), kOk) << "not quarantined";
  EXPECT_THAT(CurrentStatus().quarantined_pods(), IsEmpty());
  ASSERT_NO_FATAL_FAILURE(StopAgent());
  const std::vector<events::Event> responses = Responses();
  ASSERT_THAT(responses, SizeIs(1));
  EXPECT_EQ(responses[0].action(), "audited");
}

}  // namespace
}  // namespace nsfence::e2e
