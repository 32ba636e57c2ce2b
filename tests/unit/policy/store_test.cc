#include "policy/store.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "support/diagnostic_texts.h"
#include "gtest/gtest.h"

namespace nsfence::policy {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One policy named `name` per document; its metadata.name is at line 4,
// column 9 of the first.
std::string PolicyYaml(const std::string& name, const std::string& mode = "enforce") {
  return "apiVersion: nsfence.io/v1alpha1\n"
         "kind: IsolationPolicy\n"
         "metadata:\n"
         "  name: " +
         name +
         "\n"
         "spec:\n"
         "  namespaceSelector: {}\n"
         "  mode: " +
         mode + "\n";
}

std::string PolicyWithTwoDocuments() { return PolicyYaml("zeta") + "---\n" + PolicyYaml("gamma"); }

std::vector<std::string> Names(const std::vector<Policy>& policies) {
  std::vector<std::string> names;
  for (const Policy& policy : policies) names.push_back(policy.name);
  return names;
}

using ::nsfence::testing::Texts;

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nsfence-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
  }
  Mode ModeOf(const PolicyStore& store, const std::string& name) const {
    for (const Policy& policy : store.policies()) {
      if (policy.name == name) return policy.mode;
    }
    ADD_FAILURE() << "no policy " << name;
    return Mode::kEnforce;
  }

  fs::path dir_;
};

TEST_F(PolicyStoreTest, ReadsTheYamlFilesOfADirectorySortedByPolicyName) {
  Write("b.yaml", PolicyWithTwoDocuments());
  Write("a.yml", PolicyYaml("alpha"));
  Write("notes.txt", "not: yaml");
  Write(".hidden.yaml", PolicyYaml("hidden"));
  fs::create_directory(Path("sub.yaml"));
  std::ofstream(Path("sub.yaml/nested.yaml")) << PolicyYaml("nested");

  PolicyStore store({dir_.string()});
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(Texts(result.errors), IsEmpty());
  EXPECT_TRUE(result.changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha", "gamma", "zeta"));
  EXPECT_THAT(store.WatchedFiles(), ElementsAre(dir_.string(), Path("a.yml"), Path("b.yaml")));

  const PolicyStore::ReloadResult again = store.Reload();
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.errors, IsEmpty());
}

TEST_F(PolicyStoreTest, BrokenFileKeepsItsLastGoodContentWhileOthersUpdate) {
  Write("a.yaml", PolicyYaml("alpha"));
  Write("b.yaml", PolicyYaml("beta"));
  PolicyStore store({dir_.string()});
  ASSERT_THAT(store.Reload().errors, IsEmpty());

  Write("a.yaml", PolicyYaml("alpha", "enforc"));
  Write("b.yaml", PolicyYaml("beta", "audit"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(Texts(result.errors),
              ElementsAre(Path("a.yaml") +
                          ":7:9: spec.mode: expected one of enforce, audit, got \"enforc\""));
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("a.yaml")));
  EXPECT_TRUE(result.changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha", "beta"));
  EXPECT_EQ(ModeOf(store, "alpha"), Mode::kEnforce);
  EXPECT_EQ(ModeOf(store, "beta"), Mode::kAudit);

  // Still broken: reported again, nothing changes.
  const PolicyStore::ReloadResult still = store.Reload();
  EXPECT_THAT(still.rejected_files, ElementsAre(Path("a.yaml")));
  EXPECT_FALSE(still.changed);

  Write("a.yaml", PolicyYaml("alpha", "audit"));
  const PolicyStore::ReloadResult fixed = store.Reload();
  EXPECT_THAT(fixed.errors, IsEmpty());
  EXPECT_TRUE(fixed.changed);
  EXPECT_EQ(ModeOf(store, "alpha"), Mode::kAudit);
}

TEST_F(PolicyStoreTest, FileThatWasNeverGoodContributesNothing) {
  Write("a.yaml", PolicyYaml("alpha"));
  Write("b.yaml", "apiVersion: nsfence.io/v1alpha1\nkind: [\n");
  PolicyStore store({dir_.string()});
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("b.yaml")));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].pos.file, Path("b.yaml"));
  EXPECT_THAT(result.errors[0].message, HasSubstr("YAML syntax error"));
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha"));
}

TEST_F(PolicyStoreTest, RemovedFileStopsContributing) {
  Write("a.yaml", PolicyYaml("alpha"));
  Write("b.yaml", PolicyYaml("beta"));
  PolicyStore store({dir_.string()});
  store.Reload();
  fs::remove(Path("b.yaml"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.rejected_files, IsEmpty());
  EXPECT_TRUE(result.changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha"));
  EXPECT_THAT(store.WatchedFiles(), ElementsAre(dir_.string(), Path("a.yaml")));
}

TEST_F(PolicyStoreTest, RenameOverReplacesTheContent) {
  Write("a.yaml", PolicyYaml("alpha"));
  PolicyStore store({Path("a.yaml")});
  store.Reload();
  Write(".a.yaml.swp", PolicyYaml("alpha", "audit"));
  fs::rename(Path(".a.yaml.swp"), Path("a.yaml"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_TRUE(result.changed);
  EXPECT_EQ(ModeOf(store, "alpha"), Mode::kAudit);
}

TEST_F(PolicyStoreTest, NameDefinedByAnotherFileIsRejectedAsAWhole) {
  Write("b.yaml", PolicyYaml("shared"));
  PolicyStore store({dir_.string()});
  store.Reload();

  // a.yaml sorts first, but b.yaml's policy is the one in force.
  Write("a.yaml", PolicyYaml("shared", "audit") + "---\n" + PolicyYaml("own"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(Texts(result.errors),
              ElementsAre(Path("a.yaml") + ":4:9: policy \"shared\" is already defined at " +
                          Path("b.yaml") + ":4:9"));
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("a.yaml")));
  EXPECT_FALSE(result.changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("shared")) << "nothing of a.yaml";
  EXPECT_EQ(ModeOf(store, "shared"), Mode::kEnforce);
}

TEST_F(PolicyStoreTest, RejectedForANameConflictKeepsItsLastGoodContent) {
  Write("a.yaml", PolicyYaml("alpha"));
  Write("b.yaml", PolicyYaml("beta"));
  PolicyStore store({dir_.string()});
  store.Reload();
  Write("b.yaml", PolicyYaml("alpha"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("b.yaml")));
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha", "beta"));
}

TEST_F(PolicyStoreTest, NewFilesWithTheSameNameFirstOneWins) {
  Write("a.yaml", PolicyYaml("shared"));
  Write("b.yaml", PolicyYaml("shared", "audit"));
  PolicyStore store({dir_.string()});
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("b.yaml")));
  EXPECT_THAT(Names(store.policies()), ElementsAre("shared"));
  EXPECT_EQ(ModeOf(store, "shared"), Mode::kEnforce);
}

TEST_F(PolicyStoreTest, PolicyCanMoveBetweenFilesInOneReload) {
  Write("a.yaml", PolicyYaml("moving"));
  Write("b.yaml", "");
  PolicyStore store({dir_.string()});
  store.Reload();
  Write("a.yaml", "");
  Write("b.yaml", PolicyYaml("moving", "audit"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_EQ(ModeOf(store, "moving"), Mode::kAudit);
}

TEST_F(PolicyStoreTest, MissingPathIsAnErrorAndKeepsItsContent) {
  Write("a.yaml", PolicyYaml("alpha"));
  PolicyStore store({Path("a.yaml"), Path("never.yaml")});
  PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(Texts(result.errors),
              ElementsAre(Path("never.yaml") + ": no such file or directory"));
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("never.yaml")));
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha"));
  EXPECT_THAT(store.WatchedFiles(), ElementsAre(Path("a.yaml"), Path("never.yaml")));

  fs::remove(Path("a.yaml"));
  result = store.Reload();
  EXPECT_THAT(result.rejected_files, ElementsAre(Path("a.yaml"), Path("never.yaml")));
  EXPECT_FALSE(result.changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha"));
}

TEST_F(PolicyStoreTest, MissingDirectoryKeepsWhatItContributed) {
  fs::create_directory(Path("policies"));
  std::ofstream(Path("policies/a.yaml")) << PolicyYaml("alpha");
  PolicyStore store({Path("policies")});
  store.Reload();
  fs::remove_all(Path("policies"));
  const PolicyStore::ReloadResult result = store.Reload();
  EXPECT_THAT(Texts(result.errors),
              ElementsAre(Path("policies") + ": no such file or directory",
                          Path("policies/a.yaml") + ": no such file or directory"));
  EXPECT_THAT(Names(store.policies()), ElementsAre("alpha"));
}

TEST_F(PolicyStoreTest, NewFileInDirectoryIsPickedUp) {
  PolicyStore store({dir_.string()});
  EXPECT_FALSE(store.Reload().changed);
  EXPECT_THAT(store.policies(), IsEmpty());
  Write("new.yaml", PolicyYaml("fresh"));
  EXPECT_TRUE(store.Reload().changed);
  EXPECT_THAT(Names(store.policies()), ElementsAre("fresh"));
}

TEST_F(PolicyStoreTest, LoadPoliciesOnceReturnsEveryErrorOnItsOwnLine) {
  Write("a.yaml", PolicyYaml("alpha"));
  EXPECT_THAT(LoadPoliciesOnce({dir_.string()}).value(), ::testing::SizeIs(1));

  Write("b.yaml", PolicyYaml("alpha", "x"));
  const absl::StatusOr<std::vector<Policy>> policies =
      LoadPoliciesOnce({dir_.string(), Path("gone.yaml")});
  ASSERT_FALSE(policies.ok());
  EXPECT_EQ(policies.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policies.status().message(),
            Path("b.yaml") + ":7:9: spec.mode: expected one of enforce, audit, got \"x\"\n" +
                Path("gone.yaml") + ": no such file or directory");
}

// What `nsfencectl validate` prints for a policy file with spec.tls mistakes.
TEST(LoadPoliciesOnceTest, ReportsTlsMistakes) {
  const std::string file = NSFENCE_SOURCE_DIR "/tests/unit/policy/testdata/tls-invalid.yaml";
  const absl::StatusOr<std::vector<Policy>> policies = LoadPoliciesOnce({file});
  ASSERT_FALSE(policies.ok());
  EXPECT_EQ(policies.status().message(),
            file + ":9:17: spec.tls.minVersion: expected one of \"1.0\", \"1.1\", \"1.2\", \"1.3\", "
                   "got \"1.4\"\n" +
                file + ":10:16: spec.tls.direction: expected one of egress, ingress, both, got "
                       "\"outbound\"\n" +
                file + ":12:31: spec.tls.requireTLS[0].to[0].ipBlock.cidr: \"10.0.0.1/8\" has host "
                       "bits set (did you mean 10.0.0.0/8?)\n" +
                file + ":13:28: spec.tls.requireTLS[0].ports[0].protocol: UDP is not supported "
                       "here: TLS over UDP (QUIC, DTLS) is not inspected (expected TCP)");
}

}  // namespace
}  // namespace nsfence::policy
