#include "inventory/cgroup_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/cgroup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/kernel_test.h"
#include "unit/inventory/cgroup_tree.h"

namespace nsfence::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Kind = CgroupEvent::Kind;

const std::string kBurstable = "kubepods/burstable";
const std::string kPod = kBurstable + "/pod" + kUid;
const std::string kContainer = kPod + "/" + kId;
const std::string kBestEffortPod = std::string("kubepods/besteffort/pod") + kUid2;

KubeletCgroup Parsed(const std::string& path) { return ParseKubeletCgroup(path).value(); }

CgroupEvent Appeared(const std::string& path) { return {Kind::kAppeared, Parsed(path)}; }
CgroupEvent Gone(const std::string& path) { return {Kind::kGone, Parsed(path)}; }

class CgroupWatchTest : public ::testing::Test {
 protected:
  // Watches tree_ below `root`, failing the test when it cannot.
  void Watch(const std::string& root = "kubepods") {
    absl::StatusOr<CgroupWatch> watch = CgroupWatch::Create(tree_.mount(), root);
    ASSERT_TRUE(watch.ok()) << watch.status();
    watch_.emplace(*std::move(watch));
  }

  // Drains until `count` events arrived or 2 s passed, then whatever else is
  // pending: the events.
  std::vector<CgroupEvent> WaitFor(size_t count) {
    std::vector<CgroupEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (events.size() < count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd pfd{.fd = watch_->fd(), .events = POLLIN, .revents = 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      std::vector<CgroupEvent> more = watch_->Drain();
      events.insert(events.end(), more.begin(), more.end());
    }
    std::vector<CgroupEvent> rest = Quiet();
    events.insert(events.end(), rest.begin(), rest.end());
    return events;
  }

  // What arrives within a short while (inotify queues events as the mkdir or
  // rmdir returns, so none is late).
  std::vector<CgroupEvent> Quiet() {
    pollfd pfd{.fd = watch_->fd(), .events = POLLIN, .revents = 0};
    if (poll(&pfd, 1, 20) <= 0) return {};
    return watch_->Drain();
  }

  CgroupTree tree_;
  std::optional<CgroupWatch> watch_;
};

TEST_F(CgroupWatchTest, KnowsWhatExistsAtCreateAndReportsOnlyChanges) {
  ASSERT_TRUE(tree_.Make(kContainer));
  ASSERT_TRUE(tree_.Make(kBestEffortPod));
  Watch();
  EXPECT_EQ(watch_->pods(), ScanPodCgroups(tree_.mount(), "kubepods").value());
  EXPECT_THAT(watch_->pods(), SizeIs(2));
  EXPECT_THAT(Quiet(), IsEmpty());
  EXPECT_THAT(watch_->Drain(), IsEmpty());
  EXPECT_TRUE(watch_->TakeWatchErrors().ok());
  EXPECT_EQ(watch_->root(), "kubepods");
}

TEST_F(CgroupWatchTest, DescriptorIsNonBlockingAndCloseOnExec) {
  ASSERT_TRUE(tree_.Make("kubepods"));
  Watch();
  EXPECT_TRUE(fcntl(watch_->fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(watch_->fd(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(CgroupWatchTest, ReportsAPodAndItsContainerAsTheyAppearAndGo) {
  ASSERT_TRUE(tree_.Make(kBurstable));
  Watch();
  ASSERT_TRUE(tree_.Make(kPod));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(kPod)));
  ASSERT_TRUE(tree_.Make(kContainer));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(kContainer)));
  EXPECT_EQ(watch_->pods().at(kUid).containers.count(kId), 1U);

  ASSERT_TRUE(tree_.Remove(kContainer));
  EXPECT_THAT(WaitFor(1), ElementsAre(Gone(kContainer)));
  ASSERT_TRUE(tree_.Remove(kPod));
  EXPECT_THAT(WaitFor(1), ElementsAre(Gone(kPod)));
  EXPECT_THAT(watch_->pods(), IsEmpty());
}

TEST_F(CgroupWatchTest, ReportsAGuaranteedPodOfTheSystemdDriver) {
  const std::string pod = std::string("kubepods.slice/kubepods-pod") + kSystemdUid + ".slice";
  const std::string container = pod + "/cri-containerd-" + kId + ".scope";
  ASSERT_TRUE(tree_.Make("kubepods.slice"));
  absl::StatusOr<CgroupWatch> watch = CgroupWatch::Create(tree_.mount());  // finds the root
  ASSERT_TRUE(watch.ok()) << watch.status();
  watch_.emplace(*std::move(watch));
  EXPECT_EQ(watch_->root(), "kubepods.slice");
  ASSERT_TRUE(tree_.Make(container));
  EXPECT_THAT(WaitFor(2), ElementsAre(Appeared(pod), Appeared(container)));
  ASSERT_TRUE(tree_.Remove(container));
  ASSERT_TRUE(tree_.Remove(pod));
  EXPECT_THAT(WaitFor(2), ElementsAre(Gone(container), Gone(pod)));
}

// The QoS directory, the pod and its container are made before the watch has
// seen the QoS directory: only reading the new directory finds the pod.
TEST_F(CgroupWatchTest, FindsAPodMadeInAQosDirectoryBeforeItWasWatched) {
  ASSERT_TRUE(tree_.Make("kubepods"));
  Watch();
  ASSERT_TRUE(tree_.Make(kContainer));
  EXPECT_THAT(WaitFor(2), ElementsAre(Appeared(kPod), Appeared(kContainer)));
  // Now watched: a second pod there is seen through its own event.
  const std::string second = kBurstable + "/pod" + kUid2;
  ASSERT_TRUE(tree_.Make(second));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(second)));
}

TEST_F(CgroupWatchTest, WatchesAQosDirectoryMadeLater) {
  ASSERT_TRUE(tree_.Make(kPod));
  Watch();
  ASSERT_TRUE(tree_.Make("kubepods/besteffort"));
  EXPECT_THAT(WaitFor(0), IsEmpty());
  ASSERT_TRUE(tree_.Make(kBestEffortPod));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(kBestEffortPod)));
  EXPECT_THAT(watch_->pods(), SizeIs(2));
}

TEST_F(CgroupWatchTest, ReportsWhatItFoundByReadingOnlyOnce) {
  ASSERT_TRUE(tree_.Make(kBurstable));
  Watch();
  ASSERT_TRUE(tree_.Make(kContainer));  // its events are pending
  EXPECT_THAT(watch_->Resync(), ElementsAre(Appeared(kPod), Appeared(kContainer)));
  EXPECT_THAT(WaitFor(0), IsEmpty()) << "the pending events repeat what Resync() found";
  EXPECT_THAT(watch_->Resync(), IsEmpty());
}

TEST_F(CgroupWatchTest, APodDirectoryMadeAgainIsGoneAndBack) {
  ASSERT_TRUE(tree_.Make(kPod));
  Watch();
  ASSERT_TRUE(tree_.Remove(kPod));
  ASSERT_TRUE(tree_.Make(kPod));
  EXPECT_THAT(WaitFor(2), ElementsAre(Gone(kPod), Appeared(kPod)));
  ASSERT_TRUE(tree_.Make(kContainer));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(kContainer))) << "the new directory is watched";
}

TEST_F(CgroupWatchTest, IgnoresDirectoriesOfOtherShapes) {
  ASSERT_TRUE(tree_.Make(kPod));
  Watch();
  ASSERT_TRUE(tree_.Make("kubepods/burstable/pod1234"));
  ASSERT_TRUE(tree_.Make(kPod + "/crio-conmon-" + kId));
  ASSERT_TRUE(tree_.Make("kubepods/guaranteed/pod" + std::string(kUid2)));
  ASSERT_TRUE(tree_.MakeFile("kubepods/besteffort"));
  EXPECT_THAT(WaitFor(0), IsEmpty());
  EXPECT_THAT(watch_->pods(), SizeIs(1));
}

TEST_F(CgroupWatchTest, ARemovedRootTakesEveryPodWithIt) {
  ASSERT_TRUE(tree_.Make(kContainer));
  ASSERT_TRUE(tree_.Make(kBestEffortPod));
  Watch();
  ASSERT_TRUE(tree_.Remove(kContainer));
  ASSERT_TRUE(tree_.Remove(kPod));
  ASSERT_TRUE(tree_.Remove(kBurstable));
  ASSERT_TRUE(tree_.Remove(kBestEffortPod));
  ASSERT_TRUE(tree_.Remove("kubepods/besteffort"));
  ASSERT_TRUE(tree_.Remove("kubepods"));
  EXPECT_THAT(WaitFor(3), ElementsAre(Gone(kContainer), Gone(kPod), Gone(kBestEffortPod)));
  EXPECT_THAT(watch_->pods(), IsEmpty());

  // Back again: seen by the next Resync().
  ASSERT_TRUE(tree_.Make(kPod));
  EXPECT_THAT(WaitFor(0), IsEmpty());
  EXPECT_THAT(watch_->Resync(), ElementsAre(Appeared(kPod)));
  ASSERT_TRUE(tree_.Make(kContainer));
  EXPECT_THAT(WaitFor(1), ElementsAre(Appeared(kContainer)));
}

TEST_F(CgroupWatchTest, RefusesARootThatIsNotThereOrNotKubepods) {
  EXPECT_EQ(CgroupWatch::Create(tree_.mount(), "kubepods").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CgroupWatch::Create(tree_.mount()).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(tree_.Make("system.slice"));
  EXPECT_EQ(CgroupWatch::Create(tree_.mount(), "system.slice").status().code(),
            absl::StatusCode::kInvalidArgument);
}

int OpenDescriptors() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

TEST_F(CgroupWatchTest, ClosesItsDescriptorAndMovesIt) {
  ASSERT_TRUE(tree_.Make(kContainer));
  const int before = OpenDescriptors();
  {
    absl::StatusOr<CgroupWatch> created = CgroupWatch::Create(tree_.mount(), "kubepods");
    ASSERT_TRUE(created.ok()) << created.status();
    EXPECT_EQ(OpenDescriptors(), before + 1);
    CgroupWatch moved(*std::move(created));
    const int fd = moved.fd();
    EXPECT_GE(fd, 0);
    EXPECT_EQ(created->fd(), -1) << "moved from";  // NOLINT(bugprone-use-after-move)
    CgroupWatch assigned = std::move(moved);
    EXPECT_EQ(assigned.fd(), fd);
    ASSERT_TRUE(tree_.Make(kBestEffortPod));
    EXPECT_THAT(assigned.Drain(), ElementsAre(Appeared(kBestEffortPod)));
    EXPECT_THAT(assigned.pods(), SizeIs(2));

    ASSERT_TRUE(tree_.Make("kubepods.slice"));
    absl::StatusOr<CgroupWatch> other = CgroupWatch::Create(tree_.mount(), "kubepods.slice");
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_EQ(OpenDescriptors(), before + 2);
    assigned = *std::move(other);  // closes the first descriptor
    EXPECT_EQ(OpenDescriptors(), before + 1);
    EXPECT_EQ(assigned.root(), "kubepods.slice");
  }
  EXPECT_EQ(OpenDescriptors(), before);
  {
    CgroupTree empty;  // no kubepods: fails after the inotify instance is made
    const absl::StatusOr<CgroupWatch> missing = CgroupWatch::Create(empty.mount(), "kubepods");
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(OpenDescriptors(), before);
}

// The same on the kernel's cgroup v2 file system: mkdir and rmdir of cgroups
// reach inotify, and a pod's id is its directory's inode number.
TEST(CgroupWatchKernelTest, SeesRealCgroupsAppearAndGo) {
  NSFENCE_REQUIRE_KERNEL();
  const absl::StatusOr<std::string> mount = cgroup::FindV2Mount();
  ASSERT_TRUE(mount.ok()) << mount.status();
  CgroupTree tree(*mount);  // a stand-in mount: a cgroup below the real root
  ASSERT_FALSE(tree.mount().empty());
  ASSERT_TRUE(tree.Make(kBurstable));
  absl::StatusOr<CgroupWatch> watch = CgroupWatch::Create(tree.mount(), "kubepods");
  ASSERT_TRUE(watch.ok()) << watch.status();

  ASSERT_TRUE(tree.Make(kContainer));
  std::vector<CgroupEvent> events;
  for (int i = 0; i < 100 && events.size() < 2; ++i) {
    pollfd pfd{.fd = watch->fd(), .events = POLLIN, .revents = 0};
    if (poll(&pfd, 1, 20) > 0) {
      std::vector<CgroupEvent> more = watch->Drain();
      events.insert(events.end(), more.begin(), more.end());
    }
  }
  EXPECT_THAT(events, ElementsAre(Appeared(kPod), Appeared(kContainer)));

  struct stat st {};
  ASSERT_EQ(stat((tree.mount() + "/" + kPod).c_str(), &st), 0);
  const absl::StatusOr<uint64_t> id = CgroupId(tree.mount(), kPod);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, st.st_ino);

  ASSERT_TRUE(tree.Remove(kContainer));
  ASSERT_TRUE(tree.Remove(kPod));
  pollfd pfd{.fd = watch->fd(), .events = POLLIN, .revents = 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1);
  EXPECT_THAT(watch->Drain(), ElementsAre(Gone(kContainer), Gone(kPod)));
}

}  // namespace
}  // namespace nsfence::inventory
