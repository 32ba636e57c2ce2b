// `nsfencectl status` against the real agent: its admin socket (here a
// per-test path, e2e_support's AgentArgs) answers with the state in force.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/status.pb.h"
#include "e2e/e2e_support.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "support/testbed/command.h"

namespace nsfence::e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kCtlBinary[] = NSFENCE_BINARY_DIR "/bin/nsfencectl";
constexpr char kIsolate[] = "isolate";

class StatusTest : public NetworkTest {
 protected:
  std::string SocketPath() const { return absl::StrCat(work_dir(), "/agent.sock"); }
};

TEST_F(StatusTest, NsfencectlStatusReportsTheRunningAgent) {
  WritePolicy(kIsolate, Policy(kIsolate, kJobNamespaces, "crossNamespace: deny"));
  ASSERT_NO_FATAL_FAILURE(StartAgent());

  absl::StatusOr<testbed::CommandResult> run =
      testbed::RunCommand({kCtlBinary, "status", "--socket", SocketPath()});
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->exit.success()) << run->exit.ToString() << "\n" << run->stderr_text;
  agent::Status status;
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(run->stdout_text, &status, strict);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << run->stdout_text;

  EXPECT_EQ(status.generation(), 1u);
  EXPECT_EQ(status.policies(), 1u);
  EXPECT_GE(status.governed_namespaces(), 1u);
  EXPECT_GT(status.pid(), 0);
  EXPECT_FALSE(status.version().empty());
  EXPECT_FALSE(status.started().empty());
  // This kernel refuses BPF LSM: the tracepoint stops privileged execs.
  EXPECT_EQ(status.exec_backend(), "tracepoint");
  EXPECT_THAT(status.lsm_unavailable(), Not(IsEmpty()));
  std::vector<std::string> programs;
  for (const agent::Status::Program& p : status.programs()) {
    programs.push_back(p.name());
    EXPECT_GT(p.instructions(), 0u) << p.name();
  }
  EXPECT_THAT(programs, Contains("nsf_connect4"));
  EXPECT_THAT(programs, Contains("nsf_exec_tp"));
  EXPECT_GT(status.links_attached(), 0u);
  bool identities = false;
  for (const agent::Status::MapOccupancy& m : status.maps()) {
    EXPECT_LE(m.entries(), m.capacity()) << m.name();
    if (m.name() == "nsf_identities") {
      identities = true;
      EXPECT_GT(m.entries(), 0u);
    }
  }
  EXPECT_TRUE(identities) << run->stdout_text;
  EXPECT_TRUE(status.kernel_counters().count("egress_blocked") == 1) << run->stdout_text;
  EXPECT_THAT(status.quarantined_pods(), IsEmpty());
  EXPECT_THAT(status.metrics_address(), HasSubstr("127.0.0.1:"));

  // A path no agent listens on says what to check.
  absl::StatusOr<testbed::CommandResult> missing =
      testbed::RunCommand({kCtlBinary, "status", "--socket", absl::StrCat(work_dir(), "/none.sock")});
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->exit.success());
  EXPECT_THAT(missing->stderr_text, HasSubstr("is the agent running?"));

  ASSERT_NO_FATAL_FAILURE(StopAgent());
  // Stopped: the socket file is gone.
  absl::StatusOr<testbed::CommandResult> after =
      testbed::RunCommand({kCtlBinary, "status", "--socket", SocketPath()});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE(after->exit.success());
  EXPECT_THAT(after->stderr_text, HasSubstr("is the agent running?"));
}

}  // namespace
}  // namespace nsfence::e2e
