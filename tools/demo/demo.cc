// nsfence-demo: a small node on this host (network namespaces and cgroups
// made by the testbed), the real agent with a policy from policies/, one
// allowed and one blocked flow, and the violation the agent reports.
// Everything it creates is removed on exit.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "support/testbed/agent_process.h"
#include "support/testbed/exec.h"
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

int Run(const std::string& policy_file) {
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
  Say("policy: " + policy_file);

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
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Fail("mkdir " + dir, absl::InternalError(strerror(errno)));
  if (absl::Status s = tb.WriteInventory(inventory); !s.ok()) return Fail("writing the inventory", s);

  const std::string agent_bin = testbed::DefaultBinDir() + "/nsfence-agent";
  const std::vector<std::string> args = {"--policy", policy_file, "--inventory", inventory,
                                         "--cgroup-root", tb.cgroup_root(), "--bpffs", dir + "/bpffs"};
  Say(absl::StrCat("starting: nsfence-agent --policy ", policy_file, " --inventory ", inventory,
                   " --cgroup-root ", tb.cgroup_root(), " --bpffs ", dir, "/bpffs"));
  absl::StatusOr<testbed::AgentProcess> agent = testbed::AgentProcess::Start(agent_bin, args);
  if (!agent.ok()) return Fail("starting the agent", agent.status());
  if (!agent->WaitForStderr("ready:", kWait)) {
    std::cerr << agent->StderrText();
    return Fail("the agent did not become ready", absl::DeadlineExceededError("see its log above"));
  }

  Say("");
  Say("allowed: job-a/runner -> platform-api/api:443   " + Connect(**runner, **api, 443, netprobe));
  Say("blocked: job-a/runner -> job-b/worker:8080      " + Connect(**runner, **worker, 8080, netprobe));
  if (!agent->WaitForStdoutLines([](const std::string& l) { return l.find("\"blocked\"") != std::string::npos; }, 1,
                                 kWait)) {
    std::cerr << agent->StderrText();
    return Fail("no violation was reported", absl::DeadlineExceededError("see the agent's log above"));
  }
  Say("");
  Say("the agent's violation event (JSON on its stdout):");
  for (const std::string& line : agent->StdoutLines()) Say("  " + line);

  Say("");
  Say("stopping the agent (SIGTERM detaches the programs) and removing the demo node");
  agent->Terminate(kWait);
  unlink(inventory.c_str());
  rmdir(dir.c_str());
  return 0;
}

}  // namespace
}  // namespace nsfence::demo

int main(int argc, char** argv) {
  std::string policy = NSFENCE_SOURCE_DIR "/policies/workflow-jobs.yaml";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--policy") policy = argv[i + 1];
  }
  if (geteuid() != 0) {
    std::cerr << "nsfence-demo: run as root (it creates network namespaces and cgroups)\n";
    return 1;
  }
  return nsfence::demo::Run(policy);
}
