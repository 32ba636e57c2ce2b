#include "kube/http_client.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "support/kube/temp_dir.h"
#include "support/kube/test_http_server.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::HttpRequest;
using ::nsfence::kube::testing::HttpResponder;
using ::nsfence::kube::testing::TempDir;
using ::nsfence::kube::testing::TestHttpServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Requests the server saw, from its connection threads.
class Seen {
 public:
  void Add(const HttpRequest& request) {
    const std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
  }
  std::vector<std::string> Authorizations() {
    const std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const HttpRequest& request : requests_) out.push_back(request.Header("authorization"));
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<HttpRequest> requests_;
};

HttpClient Client(const std::string& server, const std::string& token = "") {
  ClusterConfig config;
  config.server = server;
  config.token = token;
  absl::StatusOr<HttpClient> client = HttpClient::Create(config);
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

// Streams `path` and collects its lines.
struct Streamed {
  absl::StatusOr<HttpResponse> response;
  std::vector<std::string> lines;
};
Streamed StreamLines(HttpClient& client, const std::string& path) {
  Streamed out;
  const std::atomic<bool> stop{false};
  out.response = client.Stream(
      path,
      [&](absl::string_view line) {
        out.lines.emplace_back(line);
        return true;
      },
      stop, absl::Seconds(5));
  return out;
}

TEST(HttpClientTest, GetSendsTheTokenAndReturnsAnyStatus) {
  Seen seen;
  TestHttpServer server([&](const HttpRequest& request, HttpResponder& out) {
    seen.Add(request);
    if (request.path == "/api/v1/namespaces") {
      out.Send(200, R"({"kind":"NamespaceList"})");
    } else {
      out.Send(403, R"({"kind":"Status","status":"Failure","reason":"Forbidden",)"
                    R"("message":"pods is forbidden: User \"system:serviceaccount:nsfence:agent\" )"
                    R"(cannot list resource \"pods\"","code":403})");
    }
  });
  HttpClient client = Client(server.url(), "s3cret");

  const absl::StatusOr<HttpResponse> ok = client.Get("/api/v1/namespaces");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"kind":"NamespaceList"})");

  const absl::StatusOr<HttpResponse> refused = client.Get("/api/v1/pods");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 403);
  const absl::Status error = ApiError("LIST /api/v1/pods", refused->status, refused->body);
  EXPECT_EQ(error.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(error.message(),
            "LIST /api/v1/pods: HTTP 403 Forbidden: pods is forbidden: User "
            "\"system:serviceaccount:nsfence:agent\" cannot list resource \"pods\": the agent's "
            "identity may not read this: check the ClusterRole bound to its ServiceAccount "
            "(deploy/)");
  EXPECT_EQ(HttpStatusOf(error), 403);
  EXPECT_EQ(HttpStatusOf(absl::UnavailableError("x")), std::nullopt);
  EXPECT_THAT(seen.Authorizations(), ElementsAre("Bearer s3cret", "Bearer s3cret"));
}

TEST(HttpClientTest, EachRequestCarriesTheTokenFileAsItIsNow) {
  Seen seen;
  TestHttpServer server([&](const HttpRequest& request, HttpResponder& out) {
    seen.Add(request);
    out.Send(200, "{}");
  });
  TempDir dir;
  ClusterConfig config;
  config.server = server.url();
  config.token_file = dir.Write("token", "token-1\n");
  absl::StatusOr<HttpClient> client = HttpClient::Create(config);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->Get("/a").ok());
  ASSERT_TRUE(client->Get("/b").ok());
  dir.Write("token", "token-2\n");
  ASSERT_TRUE(client->Get("/c").ok());
  EXPECT_THAT(seen.Authorizations(), ElementsAre("Bearer token-1", "Bearer token-1",
                                                 "Bearer token-2"));

  std::filesystem::remove(config.token_file);
  const absl::StatusOr<HttpResponse> gone = client->Get("/d");
  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.status().message(), HasSubstr("bearer token file " + config.token_file));
}

TEST(HttpClientTest, StreamDeliversCompleteLinesWhereverChunksEnd) {
  TestHttpServer server([](const HttpRequest&, HttpResponder& out) {
    out.StartChunks(200);
    out.Chunk("{\"a\":1}\n{\"b\"");
    out.Chunk(":2}\r\n\n");
    out.Chunk("{\"c\":");
    out.Chunk("3}");
    out.EndChunks();
  });
  HttpClient client = Client(server.url());
  const Streamed streamed = StreamLines(client, "/watch");
  ASSERT_TRUE(streamed.response.ok()) << streamed.response.status();
  EXPECT_EQ(streamed.response->status, 200);
  EXPECT_THAT(streamed.lines, ElementsAre("{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"));
}

TEST(HttpClientTest, StreamDropsTheCutLineOfABrokenConnection) {
  TestHttpServer server([](const HttpRequest&, HttpResponder& out) {
    out.StartChunks(200);
    out.Chunk("{\"whole\":1}\n");
    out.WriteRaw("20\r\n{\"cut\":");  // 32 bytes announced, 8 sent, then closed
  });
  HttpClient client = Client(server.url());
  const Streamed streamed = StreamLines(client, "/watch");
  ASSERT_FALSE(streamed.response.ok());
  EXPECT_EQ(streamed.response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(streamed.response.status().message(), HasSubstr("GET " + server.url() + "/watch"));
  EXPECT_THAT(streamed.lines, ElementsAre("{\"whole\":1}"));
}

TEST(HttpClientTest, AStreamRefusedByTheServerReturnsItsBody) {
  TestHttpServer server([](const HttpRequest&, HttpResponder& out) {
    out.Send(410, R"({"kind":"Status","code":410})");
  });
  HttpClient client = Client(server.url());
  const Streamed streamed = StreamLines(client, "/watch");
  ASSERT_TRUE(streamed.response.ok()) << streamed.response.status();
  EXPECT_EQ(streamed.response->status, 410);
  EXPECT_EQ(streamed.response->body, R"({"kind":"Status","code":410})");
  EXPECT_THAT(streamed.lines, IsEmpty());
}

// A watch with nothing to say: open until the test sets `done`.
void QuietStream(const std::atomic<bool>& done, HttpResponder& out) {
  out.StartChunks(200);
  out.Chunk("{\"first\":1}\n");
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST(HttpClientTest, AQuietStreamEndsSoonAfterStop) {
  std::atomic<bool> done{false};
  TestHttpServer server([&](const HttpRequest&, HttpResponder& out) { QuietStream(done, out); });
  HttpClient client = Client(server.url());
  std::atomic<bool> stop{false};
  std::atomic<int> lines{0};
  absl::Time stopped_at;
  std::thread stopper([&] {
    while (lines.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stopped_at = absl::Now();
    stop.store(true);
  });
  const absl::StatusOr<HttpResponse> response = client.Stream(
      "/watch",
      [&](absl::string_view) {
        ++lines;
        return true;
      },
      stop, absl::Seconds(30));
  const absl::Duration took = absl::Now() - stopped_at;
  stopper.join();
  done.store(true);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_LT(took, absl::Milliseconds(1500));
}

TEST(HttpClientTest, AHandlerReturningFalseEndsTheStreamAtOnce) {
  std::atomic<bool> done{false};
  TestHttpServer server([&](const HttpRequest&, HttpResponder& out) { QuietStream(done, out); });
  HttpClient client = Client(server.url());
  const std::atomic<bool> stop{false};
  const absl::Time start = absl::Now();
  const absl::StatusOr<HttpResponse> response =
      client.Stream("/watch", [](absl::string_view) { return false; }, stop, absl::Seconds(30));
  done.store(true);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

TEST(HttpClientTest, AnUnreachableServerIsUnavailable) {
  HttpClient client = Client("http://127.0.0.1:1");
  const absl::StatusOr<HttpResponse> response = client.Get("/api/v1/namespaces");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("GET http://127.0.0.1:1/api/v1/namespaces: "));
  EXPECT_THAT(response.status().message(), HasSubstr("reachable from this node?"));
}

TEST(HttpClientTest, TlsSettingsAreTakenAndTlsFailuresSayWhatToCheck) {
  TestHttpServer server([](const HttpRequest&, HttpResponder& out) { out.Send(200, "{}"); });
  ClusterConfig config;
  config.server = "https" + server.url().substr(4);  // TLS to a plain-text server
  config.ca_pem = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  absl::StatusOr<HttpClient> client = HttpClient::Create(config);
  ASSERT_TRUE(client.ok()) << client.status();  // the CA blob is taken (libcurl with OpenSSL)
  const absl::StatusOr<HttpResponse> response = client->Get("/api/v1/namespaces");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("check the CA bundle and client certificate of the cluster config"));
}

TEST(HttpClientTest, QueryEscape) {
  EXPECT_EQ(QueryEscape("spec.nodeName=node-1"), "spec.nodeName%3Dnode-1");
  EXPECT_EQ(QueryEscape("eyJ2+/w=="), "eyJ2%2B%2Fw%3D%3D");
  EXPECT_EQ(QueryEscape("a_b.c~d"), "a_b.c~d");
}

}  // namespace
}  // namespace nsfence::kube
