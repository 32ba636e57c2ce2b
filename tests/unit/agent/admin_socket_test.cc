#include "agent/admin_socket.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace nsfence::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Status Sample() {
  Status s;
  s.set_version("1.2.3");
  s.set_pid(42);
  s.set_generation(7);
  s.set_exec_backend("tracepoint");
  Status::Program* p = s.add_programs();
  p->set_name("nsf_connect4");
  p->set_instructions(321);
  (*s.mutable_kernel_counters())["egress_blocked"] = 5;
  return s;
}

// Releases "team-a/web" only.
absl::Status ReleaseWeb(absl::string_view pod) {
  if (pod == "team-a/web") return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("pod ", pod, " is not \"quarantined\""));
}

const AdminHandlers kHandlers{.status = Sample, .release = ReleaseWeb};

int Connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Drives the socket's Handle until `fd` has an answer and is closed.
std::string Answer(AdminSocket& admin, int fd) {
  std::string out;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    pollfd p{.fd = admin.fd(), .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 10) > 0) admin.Handle();
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

class AdminSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::temp_directory_path() / "nsfence-admin-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    path_ = dir_ + "/run/nsfence/agent.sock";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST(AdminResponseTest, StatusIsJsonOfTheMessage) {
  const std::string line = AdminResponse("status", kHandlers);
  ASSERT_TRUE(absl::EndsWith(line, "\n"));
  Status parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
  EXPECT_EQ(parsed.generation(), 7u);
  EXPECT_EQ(parsed.programs(0).name(), "nsf_connect4");
  EXPECT_EQ(parsed.kernel_counters().at("egress_blocked"), 5u);
  // snake_case keys, and empty fields printed too.
  EXPECT_THAT(line, HasSubstr("\"exec_backend\":\"tracepoint\""));
  EXPECT_THAT(line, HasSubstr("\"quarantined_pods\":[]"));
  EXPECT_THAT(line, HasSubstr("\"audit_log\":\"\""));
  EXPECT_EQ(AdminResponse(" status\r", kHandlers), line);
}

TEST(AdminResponseTest, UnknownRequestIsAnError) {
  EXPECT_THAT(AdminResponse("reboot", kHandlers), StartsWith("{\"error\": \"unknown request"));
  EXPECT_THAT(AdminResponse("", kHandlers), StartsWith("{\"error\""));
}

TEST(AdminResponseTest, ReleaseAnswersWhatTheHandlerSaid) {
  EXPECT_EQ(AdminResponse("release team-a/web", kHandlers), "{\"released\":\"team-a/web\"}\n");
  // The handler's message, escaped as JSON needs.
  EXPECT_EQ(AdminResponse("release team-a/db ", kHandlers),
            "{\"error\":\"pod team-a/db is not \\\"quarantined\\\"\"}\n");
}

TEST_F(AdminSocketTest, AnswersStatusAndRemovesItsFile) {
  {
    absl::StatusOr<std::unique_ptr<AdminSocket>> admin = AdminSocket::Open(path_, kHandlers);
    ASSERT_TRUE(admin.ok()) << admin.status();
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(stat((dir_ + "/run/nsfence").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    const int fd = Connect(path_);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send(fd, "status\n", 7, MSG_NOSIGNAL), 7);
    const std::string answer = Answer(**admin, fd);
    Status parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(answer, &parsed).ok()) << answer;
    EXPECT_EQ(parsed.pid(), 42);

    // A request in pieces, the second after the agent looked.
    const int slow = Connect(path_);
    ASSERT_GE(slow, 0);
    ASSERT_EQ(send(slow, "sta", 3, MSG_NOSIGNAL), 3);
    pollfd p{.fd = (*admin)->fd(), .events = POLLIN, .revents = 0};
    ASSERT_EQ(poll(&p, 1, 1000), 1);
    (*admin)->Handle();
    ASSERT_EQ(send(slow, "tus\n", 4, MSG_NOSIGNAL), 4);
    EXPECT_THAT(Answer(**admin, slow), HasSubstr("\"generation\":\"7\""));

    const int bad = Connect(path_);
    ASSERT_GE(bad, 0);
    ASSERT_EQ(send(bad, "hello\n", 6, MSG_NOSIGNAL), 6);
    EXPECT_THAT(Answer(**admin, bad), StartsWith("{\"error\""));

    const int huge = Connect(path_);
    ASSERT_GE(huge, 0);
    const std::string flood(AdminSocket::kMaxRequestBytes + 10, 'x');
    ASSERT_EQ(send(huge, flood.data(), flood.size(), MSG_NOSIGNAL), static_cast<ssize_t>(flood.size()));
    EXPECT_THAT(Answer(**admin, huge), HasSubstr("request longer than"));
  }
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(AdminSocketTest, SilentClientTimesOut) {
  absl::StatusOr<std::unique_ptr<AdminSocket>> admin = AdminSocket::Open(path_, kHandlers);
  ASSERT_TRUE(admin.ok()) << admin.status();
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  const absl::Time start = absl::Now();
  // Nothing sent: closed unanswered once the timeout passes, and the
  // socket's fd says when (its timer).
  std::string out;
  bool closed = false;
  while (!closed && absl::Now() - start < AdminSocket::kRequestTimeout + absl::Seconds(3)) {
    pollfd p{.fd = (*admin)->fd(), .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 100) > 0) (*admin)->Handle();
    char buf[64];
    closed = recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0;
  }
  close(fd);
  EXPECT_TRUE(closed);
  EXPECT_GE(absl::Now() - start, AdminSocket::kRequestTimeout - absl::Milliseconds(100));
}

TEST_F(AdminSocketTest, StaleSocketIsReplaced) {
  std::filesystem::create_directories(dir_ + "/run/nsfence");
  // A socket file nothing listens on: what a crashed agent leaves.
  const int stale = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  ASSERT_EQ(bind(stale, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  close(stale);
  ASSERT_TRUE(std::filesystem::exists(path_));
  ASSERT_LT(Connect(path_), 0);

  absl::StatusOr<std::unique_ptr<AdminSocket>> admin = AdminSocket::Open(path_, kHandlers);
  ASSERT_TRUE(admin.ok()) << admin.status();
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send(fd, "status\n", 7, MSG_NOSIGNAL), 7);
  EXPECT_THAT(Answer(**admin, fd), HasSubstr("\"version\":\"1.2.3\""));
}

TEST_F(AdminSocketTest, LiveSocketIsRefused) {
  absl::StatusOr<std::unique_ptr<AdminSocket>> first = AdminSocket::Open(path_, kHandlers);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<AdminSocket>> second = AdminSocket::Open(path_, kHandlers);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(path_));
  EXPECT_THAT(second.status().message(), HasSubstr("another nsfence-agent"));
  // The refused one leaves the first's file alone.
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(AdminSocketTest, NotASocketIsRefused) {
  std::filesystem::create_directories(dir_ + "/run/nsfence");
  { FILE* f = fopen(path_.c_str(), "w"); ASSERT_NE(f, nullptr); fclose(f); }
  absl::StatusOr<std::unique_ptr<AdminSocket>> admin = AdminSocket::Open(path_, kHandlers);
  ASSERT_FALSE(admin.ok());
  EXPECT_THAT(admin.status().message(), HasSubstr("is not a socket"));
  EXPECT_TRUE(std::filesystem::exists(path_));
}

// Peers other than root are closed unanswered (SO_PEERCRED): not testable
// here, the tests run as root.

}  // namespace
}  // namespace nsfence::agent
