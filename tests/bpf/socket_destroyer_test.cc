// SOCK_DESTROY of a connection in another network namespace, as the agent
// ends connections blocked below a TLS floor: a child joins a pod cgroup
// (below a private test root) and a fresh network namespace, opens a
// loopback TCP connection there, and reports its 4-tuple and cookies; this
// process finds the namespace from the pod cgroup and ends the client side.
#include "loader/socket_destroyer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace nsfence::loader {
namespace {

std::atomic<int> serial{0};

// <cgroup v2 mount>/nsfence-test-<pid>-sockdestroy<n>/pod/app, removed with
// every process in it on destruction.
class TestCgroup {
 public:
  static absl::StatusOr<std::unique_ptr<TestCgroup>> Create() {
    absl::StatusOr<std::string> mount = cgroup::FindV2Mount();
    if (!mount.ok()) return mount.status();
    std::unique_ptr<TestCgroup> cg(new TestCgroup());
    const std::string root = absl::StrCat(*mount, "/nsfence-test-", getpid(), "-sockdestroy", serial++);
    for (const std::string& dir : {root, root + "/pod", root + "/pod/app"}) {
      if (mkdir(dir.c_str(), 0755) != 0) return absl::ErrnoToStatus(errno, "mkdir " + dir);
      cg->dirs_.push_back(dir);
    }
    return cg;
  }
  ~TestCgroup() {
    if (dirs_.empty()) return;
    std::ofstream(dirs_.front() + "/cgroup.kill") << "1";  // Linux 5.14; children are reaped by Child
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      // A cgroup just left by its last process can report busy for a moment.
      for (int attempt = 0; attempt < 200 && rmdir(it->c_str()) != 0 && errno == EBUSY; ++attempt) usleep(10'000);
    }
  }
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;

  const std::string& pod() const { return dirs_[1]; }
  const std::string& app() const { return dirs_[2]; }

 private:
  TestCgroup() = default;
  std::vector<std::string> dirs_;
};

// What the child reports about its connection.
struct Connection {
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint64_t cookie = 0;        // of the client socket (SO_COOKIE)
  uint64_t netns_cookie = 0;  // 0 when the kernel has no SO_NETNS_COOKIE
  int setup_errno = 0;        // nonzero: the child could not build it
};

// What the child saw once this process was done.
struct Outcome {
  int client_errno = 0;    // of read() on the client; 0 when it is still open
  int server_result = 0;   // read() on the server: bytes, 0 at EOF, -errno
  int listener_errno = 0;  // of a new connect() to the listener; 0 when it still listens
};

// One struct from a pipe, waiting at most timeout_ms.
template <typename T>
bool ReadValue(int fd, T* out, int timeout_ms) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  char buf[sizeof(T)];
  if (poll(&p, 1, timeout_ms) != 1 || read(fd, buf, sizeof(buf)) != static_cast<ssize_t>(sizeof(buf))) return false;
  std::memcpy(out, buf, sizeof(T));
  return true;
}

int BringUpLoopback() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int err = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) err = errno;
  ifr.ifr_flags |= IFF_UP;
  if (err == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) err = errno;
  close(fd);
  return err;
}

sockaddr_storage Loopback(int family, uint16_t port, socklen_t* len) {
  sockaddr_storage ss{};
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = in6addr_loopback;
    *len = sizeof(*sin6);
  }
  return ss;
}

uint16_t PortOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

// In the child: the connection inside a new network namespace, or the errno
// of the step that failed.
Connection Connect(int family, int* client, int* server) {
  Connection c;
  if (unshare(CLONE_NEWNET) != 0) return {.setup_errno = errno};
  if (const int err = BringUpLoopback(); err != 0) return {.setup_errno = err};
  socklen_t len = 0;
  sockaddr_storage addr = Loopback(family, 0, &len);
  const int listener = socket(family, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listener, 1) != 0) {
    return {.setup_errno = errno};
  }
  c.server_port = PortOf(listener);
  addr = Loopback(family, c.server_port, &len);
  *client = socket(family, SOCK_STREAM, 0);
  if (*client < 0 || connect(*client, reinterpret_cast<sockaddr*>(&addr), len) != 0) return {.setup_errno = errno};
  *server = accept(listener, nullptr, nullptr);
  if (*server < 0) return {.setup_errno = errno};
  c.client_port = PortOf(*client);
  socklen_t cookie_len = sizeof(c.cookie);
  if (getsockopt(*client, SOL_SOCKET, SO_COOKIE, &c.cookie, &cookie_len) != 0) return {.setup_errno = errno};
  cookie_len = sizeof(c.netns_cookie);
  if (getsockopt(*client, SOL_SOCKET, SO_NETNS_COOKIE, &c.netns_cookie, &cookie_len) != 0) c.netns_cookie = 0;
  return c;
}

// In the child, once told to look: is the client still open (it can send
// to the server), or did it fail, and what did the server see?
Outcome LookAtConnection(int family, uint16_t server_port, int client, int server) {
  Outcome out;
  socklen_t len = 0;
  const sockaddr_storage addr = Loopback(family, server_port, &len);
  const int probe = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0 || connect(probe, reinterpret_cast<const sockaddr*>(&addr), len) != 0) out.listener_errno = errno;
  if (probe >= 0) close(probe);
  char byte = 0;
  pollfd p{.fd = client, .events = POLLIN, .revents = 0};
  if (poll(&p, 1, 300) == 0) {
    if (write(client, "x", 1) != 1) out.client_errno = errno;
  } else if (read(client, &byte, 1) < 0) {
    out.client_errno = errno;
  } else {
    out.client_errno = -1;  // data or EOF: neither should happen
  }
  pollfd s{.fd = server, .events = POLLIN, .revents = 0};
  if (poll(&s, 1, 2000) != 1) {
    out.server_result = -ETIMEDOUT;
  } else {
    const ssize_t n = read(server, &byte, 1);
    out.server_result = n < 0 ? -errno : static_cast<int>(n);
  }
  return out;
}

// A child holding one connection in its own network namespace and a pod
// cgroup; killed and reaped on destruction, whatever happened.
class PodWithConnection {
 public:
  PodWithConnection(const std::string& cgroup, int family) {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(to_child[1]);
      close(from_child[0]);
      int client = -1, server = -1;
      Connection c;
      {
        std::ofstream procs(cgroup + "/cgroup.procs");
        procs << getpid() << std::flush;
        c = procs ? Connect(family, &client, &server) : Connection{.setup_errno = EACCES};
      }
      (void)!write(from_child[1], &c, sizeof(c));
      char go = 0;
      if (c.setup_errno == 0 && read(to_child[0], &go, 1) == 1) {
        const Outcome out = LookAtConnection(family, c.server_port, client, server);
        (void)!write(from_child[1], &out, sizeof(out));
      }
      _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
    if (pid_ > 0 && ReadValue(from_child_, &connection_, 5000)) ready_ = true;
  }
  ~PodWithConnection() {
    if (to_child_ >= 0) close(to_child_);
    if (from_child_ >= 0) close(from_child_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  PodWithConnection(const PodWithConnection&) = delete;
  PodWithConnection& operator=(const PodWithConnection&) = delete;

  // Empty when the connection is up; else why not.
  std::string Problem() const {
    if (!ready_) return "the child did not report its connection";
    if (connection_.setup_errno != 0) return absl::StrCat("child: ", std::strerror(connection_.setup_errno));
    return "";
  }
  const Connection& connection() const { return connection_; }

  std::optional<Outcome> Look() {
    Outcome out;
    if (write(to_child_, "g", 1) != 1 || !ReadValue(from_child_, &out, 5000)) return std::nullopt;
    return out;
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  bool ready_ = false;
  Connection connection_;
};

// The client end as nsf_tls_blocked would hold it.
nsfence_tls_blocked ClientEnd(int family, const Connection& c, uint64_t cgroup_id) {
  nsfence_tls_blocked b{};
  b.cgroup_id = cgroup_id;
  b.netns_cookie = c.netns_cookie;
  b.family = family == AF_INET ? NSFENCE_FAMILY_V4 : NSFENCE_FAMILY_V6;
  if (family == AF_INET) {
    const uint32_t lo = htonl(INADDR_LOOPBACK);
    std::memcpy(b.local_addr, &lo, 4);
    std::memcpy(b.peer_addr, &lo, 4);
  } else {
    std::memcpy(b.local_addr, &in6addr_loopback, 16);
    std::memcpy(b.peer_addr, &in6addr_loopback, 16);
  }
  b.local_port = c.client_port;
  b.peer_port = c.server_port;
  return b;
}

std::string ThreadNetns() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/thread-self/ns/net", ec).string();
}

class SocketDestroyerTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    NSFENCE_REQUIRE_KERNEL();
    auto cg = TestCgroup::Create();
    ASSERT_TRUE(cg.ok()) << cg.status();
    cgroup_ = std::move(*cg);
    // The process runs in a container cgroup below the pod's, as under kubelet.
    pod_ = std::make_unique<PodWithConnection>(cgroup_->app(), GetParam());
    const std::string problem = pod_->Problem();
    const int err = pod_->connection().setup_errno;
    if (GetParam() == AF_INET6 && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
      NSFENCE_SKIP_KERNEL_TEST("IPv6 is disabled on this machine");
    }
    ASSERT_EQ(problem, "");
    auto id = cgroup::Id(cgroup_->pod());
    ASSERT_TRUE(id.ok()) << id.status();
    conn_ = ClientEnd(GetParam(), pod_->connection(), *id);
  }
  void TearDown() override {
    pod_.reset();  // the child first: its cgroup cannot go while it lives
    cgroup_.reset();
  }

  // The pod's namespace, found as the agent finds it.
  int PodNetns() {
    absl::StatusOr<int> fd = OpenPodNetns(cgroup_->pod());
    EXPECT_TRUE(fd.ok()) << fd.status();
    return fd.ok() ? *fd : -1;
  }

  std::unique_ptr<TestCgroup> cgroup_;
  std::unique_ptr<PodWithConnection> pod_;
  nsfence_tls_blocked conn_{};
};

TEST_P(SocketDestroyerTest, EndsTheConnectionAbortingTheClientAndResettingTheServer) {
  const std::string netns_before = ThreadNetns();
  const int netns = PodNetns();
  ASSERT_GE(netns, 0);
  const absl::Status destroyed = DestroySocket(conn_, pod_->connection().cookie, netns);
  EXPECT_TRUE(destroyed.ok()) << destroyed;
  EXPECT_TRUE(DestroySocket(conn_, pod_->connection().cookie, netns).ok()) << "already gone is done";
  close(netns);
  EXPECT_EQ(ThreadNetns(), netns_before) << "the calling thread stays in its namespace";

  const std::optional<Outcome> out = pod_->Look();
  ASSERT_TRUE(out.has_value()) << "the child did not report what it saw";
  EXPECT_EQ(out->client_errno, ECONNABORTED) << std::strerror(out->client_errno);
  EXPECT_THAT(out->server_result, ::testing::AnyOf(-ECONNRESET, 0)) << "a reset, or at least EOF";
}

TEST_P(SocketDestroyerTest, AnotherCookieLeavesTheConnectionAlone) {
  const int netns = PodNetns();
  ASSERT_GE(netns, 0);
  // The same 4-tuple with another socket's cookie: ours is taken as gone.
  const absl::Status s = DestroySocket(conn_, pod_->connection().cookie + 1, netns);
  close(netns);
  EXPECT_TRUE(s.ok()) << s;
  const std::optional<Outcome> out = pod_->Look();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->client_errno, 0) << std::strerror(out->client_errno);
  EXPECT_EQ(out->server_result, 1) << "the client could still send";
}

TEST_P(SocketDestroyerTest, ListenerOfAGoneConnectionIsNotEnded) {
  const int netns = PodNetns();
  ASSERT_GE(netns, 0);
  // The server's end from its own side: local = the listening port. A lookup
  // of that tuple can meet the listener; the cookie keeps it safe.
  nsfence_tls_blocked server_side = conn_;
  std::swap(server_side.local_port, server_side.peer_port);
  server_side.peer_port = 1;  // no such connection
  EXPECT_TRUE(DestroySocket(server_side, pod_->connection().cookie, netns).ok());
  close(netns);
  const std::optional<Outcome> out = pod_->Look();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->listener_errno, 0) << "the listener still accepts: " << std::strerror(out->listener_errno);
  EXPECT_EQ(out->client_errno, 0);
  EXPECT_EQ(out->server_result, 1);
}

TEST_P(SocketDestroyerTest, NamespaceOfAnotherConnectionIsAnError) {
  if (pod_->connection().netns_cookie == 0) GTEST_SKIP() << "kernel reports no netns cookies (SO_NETNS_COOKIE)";
  nsfence_tls_blocked elsewhere = conn_;
  elsewhere.netns_cookie = conn_.netns_cookie + 1;
  const int netns = PodNetns();
  ASSERT_GE(netns, 0);
  const absl::Status s = DestroySocket(elsewhere, pod_->connection().cookie, netns);
  close(netns);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("is not the connection's"));
  const std::optional<Outcome> out = pod_->Look();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->client_errno, 0);
}

INSTANTIATE_TEST_SUITE_P(Families, SocketDestroyerTest, ::testing::Values(AF_INET, AF_INET6),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == AF_INET ? "IPv4" : "IPv6";
                         });

// OpenPodNetns on a directory tree shaped like a pod cgroup: no root needed.
class OpenPodNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nsfence-test-podnetns-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/app");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Procs(const std::string& sub, const std::string& text) {
    std::ofstream(dir_ + sub + "/cgroup.procs") << text;
  }

  std::string dir_;
};

TEST_F(OpenPodNetnsTest, TakesTheFirstLiveProcessOfTheCgroupOrBelow) {
  Procs("", "");
  Procs("/app", absl::StrCat("999999999\n", getpid(), "\n"));  // the first has exited
  absl::StatusOr<int> fd = OpenPodNetns(dir_);
  ASSERT_TRUE(fd.ok()) << fd.status();
  struct stat got {}, want {};
  ASSERT_EQ(fstat(*fd, &got), 0);
  ASSERT_EQ(stat("/proc/self/ns/net", &want), 0);
  EXPECT_EQ(got.st_ino, want.st_ino);
  EXPECT_NE(fcntl(*fd, F_GETFD) & FD_CLOEXEC, 0);
  close(*fd);
}

TEST_F(OpenPodNetnsTest, NoProcessSaysThePodHasNoContainer) {
  Procs("/app", "");
  absl::StatusOr<int> fd = OpenPodNetns(dir_);
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(fd.status().message(), ::testing::HasSubstr("no process in pod cgroup " + dir_));
}

TEST_F(OpenPodNetnsTest, ProcessesOutsideThePidNamespaceAskForHostPid) {
  Procs("/app", "0\n0\n");
  absl::StatusOr<int> fd = OpenPodNetns(dir_);
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(fd.status().message(), ::testing::HasSubstr("hostPID"));
}

TEST_F(OpenPodNetnsTest, MissingCgroupIsNotFound) {
  absl::StatusOr<int> fd = OpenPodNetns(dir_ + "/gone");
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(fd.status().message(), ::testing::HasSubstr("does not exist"));
}

}  // namespace
}  // namespace nsfence::loader
