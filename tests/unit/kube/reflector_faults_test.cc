// What breaks between the agent and the API server, and how the cache
// comes out of it: no change missed, none delivered twice.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/objects.h"
#include "reflector_fixture.h"
#include "support/kube/api_objects.h"
#include "support/kube/temp_dir.h"

namespace nsfence::kube::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(ReflectorTest, ADroppedWatchResumesFromTheLastVersionSeen) {
  AddNamespace("job-a");
  StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  const std::string seen = AddNamespace("job-b");
  ASSERT_TRUE(WaitFor([&] { return reflector_->resource_version() == seen; }));

  server_.DropWatches();
  ASSERT_TRUE(server_.WaitForWatches(2));
  EXPECT_EQ(server_.watches()[1].Query("resourceVersion"), seen);
  AddNamespace("job-c");
  ASSERT_TRUE(WaitFor([&] { return Keys().size() == 3; }));
  EXPECT_THAT(Deltas(3), ElementsAre("ADDED job-a", "ADDED job-b", "ADDED job-c"));
  EXPECT_EQ(server_.lists().size(), 1u);  // no re-list
  EXPECT_THAT(Waits(), ElementsAre(absl::Milliseconds(500)));
}

TEST_F(ReflectorTest, AnEventCutMidLineIsAppliedOnceFromTheResumedWatch) {
  AddNamespace("job-a");
  const std::string before = AddNamespace("job-b");
  StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  server_.CutNextEvent();
  const std::string modified = server_.Modify(Parse(NamespaceJson("job-a", "platform")));
  ASSERT_TRUE(WaitFor([&] { return reflector_->resource_version() == modified; }));

  const std::vector<HttpRequest> watches = server_.watches();
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[1].Query("resourceVersion"), before);  // the cut event was not taken
  EXPECT_THAT(Deltas(3), ElementsAre("ADDED job-a", "ADDED job-b", "MODIFIED job-a"));
  EXPECT_EQ(NamespaceFromObject(*reflector_->snapshot().objects[0])->labels.at("team"),
            "platform");
}

TEST_F(ReflectorTest, GoneAfterAnOutageRelistsAndDeliversOnlyTheDifference) {
  AddNamespace("job-a");
  AddNamespace("job-b");
  AddNamespace("job-c");
  StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  const size_t before = server_.requests().size();

  // The watch breaks; while the client cannot get through, job-b is
  // deleted, job-c changed, job-d added, and the server compacts history.
  server_.SetOffline(true);
  server_.DropWatches();
  ASSERT_TRUE(server_.WaitForRequests(before + 1));  // the resumed watch, held
  server_.Remove("job-b");
  server_.Modify(Parse(NamespaceJson("job-c", "platform")));
  AddNamespace("job-d");
  server_.Compact();
  server_.SetOffline(false);

  ASSERT_TRUE(WaitFor([&] { return Keys() == std::vector<std::string>{"job-a", "job-c", "job-d"}; }))
      << ::testing::PrintToString(Keys());
  EXPECT_THAT(Deltas(6), ElementsAre("ADDED job-a", "ADDED job-b", "ADDED job-c",
                                    "MODIFIED job-c", "ADDED job-d", "DELETED job-b"));
  EXPECT_EQ(server_.lists().size(), 2u);
  ASSERT_TRUE(server_.WaitForWatches(3));
  const std::vector<HttpRequest> watches = server_.watches();
  EXPECT_EQ(watches.back().Query("resourceVersion"), reflector_->resource_version());
}

TEST_F(ReflectorTest, GoneOnAnOpenWatchRelistsWithoutDuplicates) {
  AddNamespace("job-a");
  Reflector& reflector = StartReflector();
  ASSERT_TRUE(server_.WaitForWatches(1));
  const std::string added = AddNamespace("job-b");
  ASSERT_TRUE(WaitFor([&] { return reflector.resource_version() == added; }));
  const uint64_t version = reflector.version();
  server_.Compact();
  ASSERT_TRUE(server_.WaitForWatches(2));
  EXPECT_EQ(server_.lists().size(), 2u);
  EXPECT_EQ(reflector.version(), version);  // the list held what the watch delivered
  EXPECT_THAT(Keys(), ElementsAre("job-a", "job-b"));
  EXPECT_THAT(Deltas(2), ElementsAre("ADDED job-a", "ADDED job-b"));
  EXPECT_THAT(Waits(), IsEmpty());  // 410 is routine, not a failure
}

TEST_F(ReflectorTest, ListsPageByPageWithContinue) {
  for (const char* name : {"ns-1", "ns-2", "ns-3", "ns-4", "ns-5"}) AddNamespace(name);
  ReflectorOptions options = RecordingOptions();
  options.page_size = 2;
  StartReflector(std::move(options), Config());
  EXPECT_THAT(Keys(), ElementsAre("ns-1", "ns-2", "ns-3", "ns-4", "ns-5"));
  const std::vector<HttpRequest> lists = server_.lists();
  const std::vector<std::string> tokens = server_.continue_tokens();
  ASSERT_EQ(lists.size(), 3u);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(lists[0].Query("limit"), "2");
  EXPECT_EQ(lists[0].Query("continue"), "");
  EXPECT_EQ(lists[1].Query("continue"), tokens[0]);
  EXPECT_EQ(lists[2].Query("continue"), tokens[1]);
  EXPECT_THAT(tokens[0], HasSubstr("="));  // had to be escaped
  EXPECT_EQ(Deltas(5).size(), 5u);
}

TEST_F(ReflectorTest, BacksOffExponentiallyAfterServerErrors) {
  server_.FailNext(4, 500);
  StartReflector();
  EXPECT_THAT(Waits(), ElementsAre(absl::Milliseconds(500), absl::Seconds(1), absl::Seconds(2),
                                   absl::Seconds(4)));
  EXPECT_EQ(server_.lists().size(), 5u);

  // Success resets the backoff: a broken watch, then a 500, wait 0.5 s, 1 s.
  ASSERT_TRUE(server_.WaitForWatches(1));
  server_.FailNext(1, 500);
  server_.DropWatches();
  ASSERT_TRUE(server_.WaitForWatches(2));
  EXPECT_THAT(Waits(), ElementsAre(absl::Milliseconds(500), absl::Seconds(1), absl::Seconds(2),
                                   absl::Seconds(4), absl::Milliseconds(500), absl::Seconds(1)));
  EXPECT_THAT(reflector_->last_error().message(),
              HasSubstr("HTTP 500 InternalError: Internal error occurred"));
  AddNamespace("job-a");
  ASSERT_TRUE(WaitFor([&] { return Keys().size() == 1; }));
  EXPECT_TRUE(reflector_->last_error().ok()) << reflector_->last_error();
}

TEST_F(ReflectorTest, ATokenRotatedOnDiskIsSentOnTheNextRequest) {
  TempDir dir;
  ClusterConfig config = Config();
  config.token_file = dir.Write("token", "token-1\n");
  server_.RequireToken("token-1");
  AddNamespace("job-a");
  StartReflector(RecordingOptions(), config);
  ASSERT_TRUE(server_.WaitForWatches(1));

  dir.Write("token", "token-2\n");
  server_.RequireToken("token-2");  // token-1 is refused from now on
  server_.DropWatches();
  ASSERT_TRUE(server_.WaitForWatches(2));
  AddNamespace("job-b");
  ASSERT_TRUE(WaitFor([&] { return Keys().size() == 2; }));
  std::vector<std::string> authorizations;
  for (const HttpRequest& request : server_.requests()) {
    authorizations.push_back(request.Header("authorization"));
  }
  EXPECT_THAT(authorizations, ElementsAre("Bearer token-1", "Bearer token-1", "Bearer token-2"));
}

TEST_F(ReflectorTest, ARefusedTokenIsReportedWithWhatToCheck) {
  server_.RequireToken("right");
  ClusterConfig config = Config();
  config.token = "wrong";
  reflector_ = std::make_unique<Reflector>(config, "/api/v1/namespaces", RecordingOptions());
  ASSERT_TRUE(reflector_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return !reflector_->last_error().ok(); }));
  EXPECT_EQ(reflector_->last_error().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(reflector_->last_error().message(),
              HasSubstr("LIST /api/v1/namespaces?limit=500: HTTP 401 Unauthorized"));
  EXPECT_THAT(reflector_->last_error().message(), HasSubstr("check the service account token"));
  EXPECT_FALSE(reflector_->synced());
}

class PodReflectorTest : public ReflectorTest {
 protected:
  PodReflectorTest() : ReflectorTest("/api/v1/pods", "PodList", "v1") {}
};

TEST_F(PodReflectorTest, ThePodsOfThisNodeBySelector) {
  server_.Add(Parse(PodJson("job-a", "build-1", "uid-1", "node-1", "10.244.1.7")));
  StartReflector(RecordingOptions(), Config(), "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1");
  ASSERT_TRUE(server_.WaitForWatches(1));
  EXPECT_EQ(server_.lists()[0].Query("fieldSelector"), "spec.nodeName=node-1");
  EXPECT_EQ(server_.lists()[0].Query("limit"), "500");
  EXPECT_EQ(server_.watches()[0].Query("fieldSelector"), "spec.nodeName=node-1");
  EXPECT_THAT(Keys(), ElementsAre("job-a/build-1"));
  const absl::StatusOr<Pod> pod = PodFromObject(*reflector_->snapshot().objects[0]);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->uid, "uid-1");
  EXPECT_THAT(pod->ips, ElementsAre("10.244.1.7"));
}

class PolicyReflectorTest : public ReflectorTest {
 protected:
  PolicyReflectorTest()
      : ReflectorTest("/apis/nsfence.io/v1alpha1/isolationpolicies", "IsolationPolicyList",
                      "nsfence.io/v1alpha1") {}
};

TEST_F(PolicyReflectorTest, CachedPoliciesParse) {
  server_.Add(Parse(IsolationPolicyJson("workflow-jobs")));
  StartReflector(RecordingOptions(), Config(), "/apis/nsfence.io/v1alpha1/isolationpolicies");
  ASSERT_EQ(Keys(), std::vector<std::string>{"workflow-jobs"});
  const absl::StatusOr<IsolationPolicyObject> object =
      IsolationPolicyFromObject(*reflector_->snapshot().objects[0]);
  ASSERT_TRUE(object.ok()) << object.status();
  const policy::ParseResult parsed = ParseIsolationPolicy(*object);
  EXPECT_TRUE(parsed.ok()) << ToStatus(parsed.diagnostics);
}

}  // namespace
}  // namespace nsfence::kube::testing
