// nsfence-demo: a small node on this host (network namespaces and cgroups
// made by the testbed), the real agent with policies from policies/, one
// allowed and one blocked flow, a pod quarantined for repeating blocked
// flows and released, a container that runs and a privileged one stopped at
// start (runc), and the violations the agent reports.
// Everything it creates is removed on exit.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "support/testbed/agent_process.h"
#include "support/testbed/capability_sets.h"
#include "support/testbed/command.h"
#include "support/testbed/container_runtime.h"
#include "support/testbed/exec.h"
#include "support/testbed/pod_container.h"
#include "support/testbed/testbed.h"

namespace nsfence::demo {
namespace {

using testbed::Pod;

constexpr absl::Duration kWait = absl::Seconds(15);

void Say(const std::string& text) { std::cout << text << std::endl; }

int Fail(const std::string& what, const absl::Status& status) {
  std::cerr << "nsfence-demo: " << what << ": " << status << "\n";
  return 1;
}

// "ok" or the error the probe printed.
std::string Connect(const Pod& from, const Pod& to, int port, const std::string& netprobe) {
  absl::StatusOr<testbed::CommandResult> r = testbed::RunInPod(
      from, {netprobe, "tcp-connect", to.ipv4().ToString(), std::to_string(port), "--timeout-ms", "2000"});
  if (!r.ok()) return std::string(r.status().message());
  std::string out = r->stdout_text;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// "exit 0" or how the container ended, from `runc run`.
std::string RunContainer(testbed::ContainerRuntime& runtime, const testbed::ContainerSpec& spec) {
  absl::StatusOr<testbed::CommandResult> r = runtime.Run(spec);
  if (!r.ok()) return std::string(r.status().message());
  if (r->exit.code == 128 + 9) return "exit 137: killed by SIGKILL before its first instruction";
  return absl::StrCat("exit ", r->exit.code);
}

// A container in job-a/runner that runs `true`: with runc's default
// capabilities, or with every capability this host grants (privileged).
std::string ContainerDemo(const testbed::Testbed& tb, const Pod& runner, bool privileged) {
  absl::StatusOr<std::unique_ptr<testbed::ContainerRuntime>> runtime = testbed::ContainerRuntime::Create();
  if (!runtime.ok()) return std::string(runtime.status().message());
  testbed::ContainerSpec spec = testbed::PodContainerSpec(tb, runner, privileged ? "privileged" : "app");
  spec.args = {"true"};
  if (privileged) {
    absl::StatusOr<std::vector<std::string>> all = testbed::AllCapabilities();
    if (!all.ok()) return std::string(all.status().message());
    spec.capabilities = *all;
  }
  return RunContainer(**runtime, spec);
}

// `nsfencectl ARGS...`: its output line, or its error.
std::string Ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {testbed::DefaultBinDir() + "/nsfencectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<testbed::CommandResult> r = testbed::RunCommand(argv);
  if (!r.ok()) return std::string(r.status().message());
  std::string out = r->exit.success() ? r->stdout_text : r->stderr_text;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Copies `from` into `dir` (aside, then renamed, so the agent reads it whole).
absl::Status AddPolicy(const std::string& from, const std::string& dir) {
  std::ifstream in(from);
  if (!in) return absl::NotFoundError("cannot read " + from);
  const std::string name = from.substr(from.rfind('/') + 1);
  const std::string aside = dir + "/." + name;
  std::ofstream(aside) << in.rdbuf();
  if (rename(aside.c_str(), (dir + "/" + name).c_str()) != 0) return absl::InternalError(strerror(errno));
  return absl::OkStatus();
}

absl::Status AddPolicyAndWait(const std::string& policy, const std::string& dir, int generation,
                              testbed::AgentProcess& agent) {
  Say("");
  Say("adding policy: " + policy);
  if (absl::Status s = AddPolicy(policy, dir); !s.ok()) return s;
  if (!agent.WaitForStderr(absl::StrCat("policy applied: generation=", generation), kWait)) {
    std::cerr << agent.StderrText();
    return absl::DeadlineExceededError("the agent did not apply the added policy (see its log above)");
  }
  return absl::OkStatus();
}

// The response policy quarantines a pod after 20 blocked flows in a minute:
// runner tries 20 times, is cut off, and is released with nsfencectl.
absl::Status QuarantineDemo(const Pod& runner, const Pod& worker, const Pod& api, const std::string& netprobe,
                            const std::string& socket, testbed::AgentProcess& agent) {
  for (int i = 0; i < 20; ++i) Connect(runner, worker, 8080, netprobe);
  Say("job-a/runner tried job-b/worker:8080 20 times:  all " + Connect(runner, worker, 8080, netprobe));
  if (!agent.WaitForStdout("\"response\":\"quarantine\"", kWait)) {
    std::cerr << agent.StderrText();
    return absl::DeadlineExceededError("no quarantine (see the agent's log above)");
  }
  Say("quarantined: job-a/runner -> platform-api/api:443   " + Connect(runner, api, 443, netprobe));
  Say("nsfencectl release job-a/runner:                  " + Ctl({"release", "job-a/runner", "--socket", socket}));
  Say("released:    job-a/runner -> platform-api/api:443   " + Connect(runner, api, 443, netprobe));
  return absl::OkStatus();
}

int Run(const std::string& network_policy, const std::string& response_policy, const std::string& containers_policy) {
  absl::StatusOr<std::unique_ptr<testbed::Testbed>> created = testbed::Testbed::Create();
  if (!created.ok()) return Fail("building the demo node", created.status());
  testbed::Testbed& tb = **created;
  for (auto [ns, labels] : std::vector<std::pair<std::string, Labels>>{
           {"job-a", {{"nsfence.io/tier", "job"}}}, {"job-b", {{"nsfence.io/tier", "job"}}}, {"platform-api", {}}}) {
    if (absl::Status s = tb.AddNamespace(ns, labels); !s.ok()) return Fail("adding namespace " + ns, s);
  }
  absl::StatusOr<Pod*> runner = tb.AddPod("job-a", "runner");
  absl::StatusOr<Pod*> worker = tb.AddPod("job-b", "worker");
  absl::StatusOr<Pod*> api = tb.AddPod("platform-api", "api");
  if (!runner.ok() || !worker.ok() || !api.ok()) return Fail("adding pods", absl::InternalError("see above"));

  Say("nsfence demo: three namespaces on one node, each pod its own network namespace and cgroup");
  for (const Pod* p : {*runner, *worker, *api}) {
    Say(absl::StrCat("  ", p->namespace_name(), "/", p->name(), "  ", p->ipv4().ToString(), "  cgroup ", p->cgroup()));
  }
  Say("  job-a and job-b carry nsfence.io/tier=job; platform-api serves TCP 443");
  Say("policy: " + network_policy);

  const std::string netprobe = tb.tools().netprobe;
  absl::StatusOr<testbed::BackgroundProcess> api_server = testbed::StartInPod(**api, {netprobe, "tcp-serve", "443"});
  absl::StatusOr<testbed::BackgroundProcess> worker_server =
      testbed::StartInPod(**worker, {netprobe, "tcp-serve", "8080"});
  if (!api_server.ok() || !worker_server.ok() || !api_server->WaitForStdout("listening", kWait) ||
      !worker_server->WaitForStdout("listening", kWait)) {
    return Fail("starting servers", absl::InternalError("a server did not start"));
  }

  const std::string dir = absl::StrCat("/tmp/nsfence-demo-", getpid());
  const std::string inventory = dir + "/inventory.yaml";
  const std::string policies = dir + "/policies";
  for (const std::string& d : {dir, policies}) {
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return Fail("mkdir " + d, absl::InternalError(strerror(errno)));
  }
  if (absl::Status s = AddPolicy(network_policy, policies); !s.ok()) return Fail("copying the policy", s);
  if (absl::Status s = tb.WriteInventory(inventory); !s.ok()) return Fail("writing the inventory", s);

  const std::string agent_bin = testbed::DefaultBinDir() + "/nsfence-agent";
  const std::vector<std::string> args = {"--policy", policies, "--inventory", inventory,
                                         "--cgroup-root", tb.cgroup_root(), "--bpffs", dir + "/bpffs",
                                         "--metrics-address=127.0.0.1:0", "--admin-socket", dir + "/agent.sock"};
  std::string command = "starting: nsfence-agent";
  for (const std::string& a : args) absl::StrAppend(&command, " ", a);
  Say(command);
  absl::StatusOr<testbed::AgentProcess> agent = testbed::AgentProcess::Start(agent_bin, args);
  if (!agent.ok()) return Fail("starting the agent", agent.status());
  if (!agent->WaitForStderr("ready:", kWait)) {
    std::cerr << agent->StderrText();
    return Fail("the agent did not become ready", absl::DeadlineExceededError("see its log above"));
  }

  Say("");
  Say("allowed: job-a/runner -> platform-api/api:443   " + Connect(**runner, **api, 443, netprobe));
  Say("blocked: job-a/runner -> job-b/worker:8080      " + Connect(**runner, **worker, 8080, netprobe));
  if (absl::Status s = AddPolicyAndWait(response_policy, policies, 2, *agent); !s.ok()) {
    return Fail("adding the response policy", s);
  }
  if (absl::Status s = QuarantineDemo(**runner, **worker, **api, netprobe, dir + "/agent.sock", *agent); !s.ok()) {
    return Fail("quarantine", s);
  }
  // The testbed's pods run their probes as root in the node's pid namespace:
  // privileged by the policy's definition. Containers come next, under it.
  if (absl::Status s = AddPolicyAndWait(containers_policy, policies, 3, *agent); !s.ok()) {
    return Fail("adding the containers policy", s);
  }
  Say("container (runc) in job-a/runner, default capabilities:   " + ContainerDemo(tb, **runner, false));
  Say("container (runc) in job-a/runner, every capability:        " + ContainerDemo(tb, **runner, true));
  if (!agent->WaitForStdoutLines(
          [](const std::string& l) { return l.find("\"kind\":\"privileged\"") != std::string::npos; }, 1, kWait)) {
    std::cerr << agent->StderrText();
    return Fail("the violations were not reported", absl::DeadlineExceededError("see the agent's log above"));
  }
  Say("");
  Say("the agent's violation events (JSON on its stdout):");
  for (const std::string& line : agent->StdoutLines()) Say("  " + line);

  Say("");
  Say("stopping the agent (SIGTERM detaches the programs) and removing the demo node");
  agent->Terminate(kWait);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace nsfence::demo

int main(int argc, char** argv) {
  std::string network = NSFENCE_SOURCE_DIR "/policies/workflow-jobs.yaml";
  std::string response = NSFENCE_SOURCE_DIR "/policies/job-response.yaml";
  std::string containers = NSFENCE_SOURCE_DIR "/policies/no-privileged-containers.yaml";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--policy") network = argv[i + 1];
    if (std::string(argv[i]) == "--response-policy") response = argv[i + 1];
    if (std::string(argv[i]) == "--containers-policy") containers = argv[i + 1];
  }
  if (geteuid() != 0) {
    std::cerr << "nsfence-demo: run as root (it creates network namespaces and cgroups)\n";
    return 1;
  }
  return nsfence::demo::Run(network, response, containers);
}
