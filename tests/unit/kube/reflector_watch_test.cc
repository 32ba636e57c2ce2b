// List+watch as it goes when nothing breaks: the cache follows the events.
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/objects.h"
#include "reflector_fixture.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// True when the change eventfd was readable within `timeout_ms`; re-arms it.
bool ChangeSignalled(const Reflector& reflector, int timeout_ms) {
  pollfd fd{reflector.change_fd(), POLLIN, 0};
  if (poll(&fd, 1, timeout_ms) != 1) return false;
  uint64_t count = 0;
  return read(reflector.change_fd(), &count, sizeof count) == sizeof count;
}

TEST_F(ReflectorTest, ListsThenAppliesAddedModifiedAndDeleted) {
  AddNamespace("job-a");
  const std::string listed = AddNamespace("job-b");
  Reflector& reflector = StartReflector();
  EXPECT_THAT(Keys(), ElementsAre("job-a", "job-b"));
  EXPECT_THAT(Deltas(2), ElementsAre("ADDED job-a", "ADDED job-b"));
  EXPECT_TRUE(ChangeSignalled(reflector, 1000));
  EXPECT_EQ(reflector.resource_version(), listed);

  ASSERT_TRUE(server_.WaitForWatches(1));
  const HttpRequest watch = server_.watches()[0];
  EXPECT_EQ(watch.path, "/api/v1/namespaces");
  EXPECT_EQ(watch.Query("resourceVersion"), listed);
  EXPECT_EQ(watch.Query("allowWatchBookmarks"), "true");
  EXPECT_EQ(watch.Query("timeoutSeconds"), "300");
  EXPECT_EQ(server_.lists()[0].Query("limit"), "500");

  const uint64_t version = reflector.version();
  AddNamespace("job-c");
  server_.Modify(Parse(NamespaceJson("job-a", "platform")));
  const std::string last = server_.Remove("job-b");
  ASSERT_TRUE(WaitFor([&] { return reflector.resource_version() == last; }));
  EXPECT_THAT(Keys(), ElementsAre("job-a", "job-c"));
  EXPECT_THAT(Deltas(5), ElementsAre("ADDED job-a", "ADDED job-b", "ADDED job-c",
                                    "MODIFIED job-a", "DELETED job-b"));
  EXPECT_EQ(reflector.version(), version + 3);
  EXPECT_TRUE(ChangeSignalled(reflector, 1000));
  EXPECT_FALSE(ChangeSignalled(reflector, 0));  // re-armed by the read

  const absl::StatusOr<Namespace> job_a = NamespaceFromObject(*reflector.snapshot().objects[0]);
  ASSERT_TRUE(job_a.ok()) << job_a.status();
  EXPECT_EQ(job_a->labels.at("team"), "platform");
  EXPECT_TRUE(reflector.last_error().ok()) << reflector.last_error();
}

TEST_F(ReflectorTest, CachesObjectsWithKindAndWithoutManagedFields) {
  AddNamespace("job-a");  // listed: a v1 list's items lack kind and apiVersion
  StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  AddNamespace("job-b");  // watched: events carry them
  ASSERT_TRUE(WaitFor([&] { return Keys().size() == 2; }));
  for (const ObjectPtr& object : reflector_->snapshot().objects) {
    EXPECT_EQ(StringAt(*object, {"kind"}), "Namespace") << ToJson(*object);
    EXPECT_EQ(StringAt(*object, {"apiVersion"}), "v1");
    EXPECT_EQ(FindPath(*object, {"metadata", "managedFields"}), nullptr);
    EXPECT_NE(FindPath(*object, {"metadata", "labels"}), nullptr);
  }
}

TEST_F(ReflectorTest, ABookmarkAdvancesTheResourceVersionOnly) {
  AddNamespace("job-a");
  Reflector& reflector = StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  const uint64_t version = reflector.version();
  server_.AdvanceVersion();
  const std::string bookmarked = server_.AdvanceVersion();
  server_.Bookmark();
  ASSERT_TRUE(WaitFor([&] { return reflector.resource_version() == bookmarked; }));
  EXPECT_EQ(reflector.version(), version);
  EXPECT_THAT(Deltas(1), ElementsAre("ADDED job-a"));

  // The next watch starts from the bookmark.
  server_.DropWatches();
  ASSERT_TRUE(server_.WaitForWatches(2));
  EXPECT_EQ(server_.watches()[1].Query("resourceVersion"), bookmarked);
  EXPECT_EQ(server_.lists().size(), 1u);
}

TEST_F(ReflectorTest, AnEmptyCollectionSignalsItsFirstList) {
  Reflector& reflector = StartReflector();
  EXPECT_THAT(Keys(), IsEmpty());
  EXPECT_TRUE(ChangeSignalled(reflector, 1000));
  EXPECT_EQ(reflector.version(), 1u);
  EXPECT_THAT(Deltas(0), IsEmpty());
}

TEST_F(ReflectorTest, TheServerEndingAWatchRenewsItAtOnce) {
  AddNamespace("job-a");
  ReflectorOptions options = RecordingOptions();
  options.watch_timeout = absl::Seconds(1);
  StartReflector(std::move(options), Config());
  ASSERT_TRUE(server_.WaitForWatches(2, absl::Seconds(4)));
  const std::vector<HttpRequest> watches = server_.watches();
  EXPECT_EQ(watches[0].Query("timeoutSeconds"), "1");
  EXPECT_EQ(watches[1].Query("resourceVersion"), watches[0].Query("resourceVersion"));
  EXPECT_THAT(Waits(), IsEmpty());  // not a failure: no backoff
  EXPECT_EQ(server_.lists().size(), 1u);
}

TEST_F(ReflectorTest, StopEndsAQuietWatchWithinASecond) {
  StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  const absl::Time start = absl::Now();
  reflector_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
}

TEST_F(ReflectorTest, StopCutsABackoffWaitShort) {
  server_.FailNext(1000, 500);
  ReflectorOptions options;  // the real wait
  options.uniform = [] { return 1.0; };
  options.backoff.initial = absl::Seconds(20);
  Reflector reflector(Config(), "/api/v1/namespaces", std::move(options));
  ASSERT_TRUE(reflector.Start().ok());
  ASSERT_TRUE(server_.WaitForRequests(1));
  ASSERT_TRUE(WaitFor([&] { return !reflector.last_error().ok(); }));
  const absl::Time start = absl::Now();
  reflector.Stop();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_EQ(server_.requests().size(), 1u);
  EXPECT_FALSE(reflector.synced());
}

}  // namespace
}  // namespace nsfence::kube::testing
