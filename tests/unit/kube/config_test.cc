#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/config.h"
#include "kube/kubeconfig.h"
#include "kube/token.h"
#include "support/kube/temp_dir.h"

namespace nsfence::kube {
namespace {

using ::nsfence::kube::testing::TempDir;
using ::testing::HasSubstr;

// The environment InClusterConfig sees (InClusterSources::getenv takes a
// plain function).
std::map<std::string, std::string>& FakeEnv() {
  static std::map<std::string, std::string> env;
  return env;
}
const char* GetFakeEnv(const char* name) {
  const auto it = FakeEnv().find(name);
  return it == FakeEnv().end() ? nullptr : it->second.c_str();
}

class InClusterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeEnv() = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
    sources_.token_file = dir_.Write("token", "eyJhbGciOiJSUzI1NiJ9.sa-token\n");
    sources_.ca_file = dir_.Write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
    sources_.getenv = &GetFakeEnv;
  }

  TempDir dir_;
  InClusterSources sources_;
};

TEST_F(InClusterConfigTest, UsesTheServiceEnvironmentAndTheServiceAccountFiles) {
  const absl::StatusOr<ClusterConfig> config = InClusterConfig(sources_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->ca_file, sources_.ca_file);
  EXPECT_EQ(config->token_file, sources_.token_file);
  EXPECT_TRUE(config->token.empty());  // read from the file at each request
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST_F(InClusterConfigTest, BracketsAnIpv6Host) {
  FakeEnv()["KUBERNETES_SERVICE_HOST"] = "fd00:10:96::1";
  FakeEnv()["KUBERNETES_SERVICE_PORT"] = "6443";
  const absl::StatusOr<ClusterConfig> config = InClusterConfig(sources_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00:10:96::1]:6443");
}

TEST_F(InClusterConfigTest, OutsideAPodSaysSo) {
  FakeEnv().erase("KUBERNETES_SERVICE_HOST");
  const absl::StatusOr<ClusterConfig> config = InClusterConfig(sources_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(config.status().message(), HasSubstr("KUBERNETES_SERVICE_HOST is not set"));
  EXPECT_THAT(config.status().message(), HasSubstr("use a kubeconfig"));
}

TEST_F(InClusterConfigTest, NamesAMissingToken) {
  sources_.token_file = dir_.Path("missing-token");
  const absl::StatusOr<ClusterConfig> config = InClusterConfig(sources_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("service account token " + sources_.token_file));
  EXPECT_THAT(config.status().message(), HasSubstr("automountServiceAccountToken"));
}

TEST(BearerTokenTest, RereadsARotatedFileAndTrimsIt) {
  TempDir dir;
  ClusterConfig config;
  config.token_file = dir.Write("token", "first\n");
  BearerToken token(config);
  EXPECT_EQ(token.Get().value_or("?"), "first");
  EXPECT_EQ(token.Get().value_or("?"), "first");
  dir.Write("token", "second");  // a new inode, as the kubelet's atomic writer makes
  EXPECT_EQ(token.Get().value_or("?"), "second");
}

TEST(BearerTokenTest, AFixedTokenAndAnEmptyFile) {
  ClusterConfig config;
  config.token = "fixed";
  EXPECT_EQ(BearerToken(config).Get().value_or("?"), "fixed");

  TempDir dir;
  config.token_file = dir.Write("token", " \n");
  const absl::StatusOr<std::string> empty = BearerToken(config).Get();
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("is empty"));
}

constexpr char kKubeconfig[] = R"(apiVersion: v1
kind: Config
current-context: dev
preferences: {}
clusters:
- name: kind-dev
  cluster:
    server: https://127.0.0.1:40123
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmNhCg==
- name: staging
  cluster:
    server: https://staging.example:6443
    certificate-authority: certs/staging-ca.pem
    insecure-skip-tls-verify: true
contexts:
- name: dev
  context:
    cluster: kind-dev
    user: dev-admin
    namespace: default
- name: staging
  context:
    cluster: staging
    user: ci
- name: cloud
  context:
    cluster: staging
    user: cloud-user
users:
- name: dev-admin
  user:
    token: dev-token
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
- name: ci
  user:
    tokenFile: tokens/ci
    client-certificate: /etc/ci/cert.pem
    client-key: ci-key.pem
- name: cloud-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
)";

TEST(KubeconfigTest, TheCurrentContext) {
  TempDir dir;
  const std::string path = dir.Write("config", kKubeconfig);
  const absl::StatusOr<ClusterConfig> config = KubeconfigConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://127.0.0.1:40123");
  EXPECT_EQ(config->ca_pem, "-----BEGIN CERTIFICATE-----\nca\n");
  EXPECT_TRUE(config->ca_file.empty());
  EXPECT_EQ(config->token, "dev-token");
  EXPECT_EQ(config->client_cert_pem, "cert");
  EXPECT_EQ(config->client_key_pem, "key");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, ANamedContextWithFilesRelativeToTheKubeconfig) {
  TempDir dir;
  const std::string path = dir.Write("config", kKubeconfig);
  const absl::StatusOr<ClusterConfig> config = KubeconfigConfig(path, "staging");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://staging.example:6443");
  EXPECT_EQ(config->ca_file, dir.Path("certs/staging-ca.pem"));
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_TRUE(config->token.empty());
  EXPECT_EQ(config->token_file, dir.Path("tokens/ci"));
  EXPECT_EQ(config->client_cert_file, "/etc/ci/cert.pem");
  EXPECT_EQ(config->client_key_file, dir.Path("ci-key.pem"));
}

TEST(KubeconfigTest, RefusesWhatItCannotDo) {
  TempDir dir;
  const std::string path = dir.Write("config", kKubeconfig);

  const absl::StatusOr<ClusterConfig> exec = KubeconfigConfig(path, "cloud");
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(exec.status().message(),
            path + ": user \"cloud-user\" authenticates with an exec plugin, which nsfence does "
                   "not run: give it a token, tokenFile or client certificate");

  const absl::StatusOr<ClusterConfig> missing = KubeconfigConfig(path, "prod");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), path + ": contexts has no entry named \"prod\" "
                                               "(kubectl config get-contexts lists them)");

  const std::string broken = dir.Write("broken", "clusters: [\n");
  const absl::StatusOr<ClusterConfig> syntax = KubeconfigConfig(broken);
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr(broken + ":"));

  const std::string no_context = dir.Write("empty", "apiVersion: v1\nkind: Config\n");
  EXPECT_THAT(KubeconfigConfig(no_context).status().message(),
              HasSubstr("has no current-context"));
  EXPECT_THAT(KubeconfigConfig(dir.Path("absent")).status().message(),
              HasSubstr(dir.Path("absent") + ": No such file or directory"));

  const std::string bad_data = dir.Write(
      "bad", absl::StrCat("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n",
                          "clusters: [{name: k, cluster: {server: https://k, "
                          "certificate-authority-data: '!!notbase64'}}]\n"));
  EXPECT_THAT(KubeconfigConfig(bad_data).status().message(),
              HasSubstr("cluster \"k\": certificate-authority-data is not base64"));
}

}  // namespace
}  // namespace nsfence::kube
