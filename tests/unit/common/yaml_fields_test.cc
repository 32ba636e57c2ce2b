#include "common/yaml_fields.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "support/diagnostic_texts.h"
#include "gtest/gtest.h"

namespace nsfence {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::Pair;

using ::nsfence::testing::Texts;

class YamlReaderTest : public ::testing::Test {
 protected:
  // The only document of `text`.
  YamlValue Document(const std::string& text) {
    std::optional<std::vector<YamlValue>> documents = reader_.LoadDocuments(text);
    EXPECT_TRUE(documents.has_value());
    EXPECT_EQ(documents->size(), 1u);
    return documents->at(0);
  }
  // The value of `field` of the mapping document `text`.
  YamlValue Field(const std::string& text, absl::string_view field) {
    std::optional<YamlMapping> mapping = reader_.ReadMapping(Document(text), {field});
    EXPECT_TRUE(mapping.has_value());
    std::optional<YamlValue> value = mapping->Get(field);
    EXPECT_TRUE(value.has_value());
    return *value;
  }

  Diagnostics diagnostics_;
  YamlReader reader_{"f.yaml", &diagnostics_};
};

TEST_F(YamlReaderTest, SkipsEmptyDocuments) {
  const std::optional<std::vector<YamlValue>> documents =
      reader_.LoadDocuments("a: 1\n---\n# nothing\n---\nb: 2\n");
  ASSERT_TRUE(documents.has_value());
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[1].pos().ToString(), "f.yaml:5:1");
  EXPECT_THAT(reader_.LoadDocuments("# only a comment\n"), Optional(IsEmpty()));
  EXPECT_THAT(diagnostics_, IsEmpty());
}

TEST_F(YamlReaderTest, ReportsSyntaxErrorAtItsPosition) {
  EXPECT_EQ(reader_.LoadDocuments("a: 1\nb: [1, 2\nc: 3\n"), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:3:2: YAML syntax error: end of sequence flow not found"));
}

TEST_F(YamlReaderTest, ReportsUnknownFieldAtTheKeyAndKeepsTheKnownOnes) {
  std::optional<YamlMapping> mapping =
      reader_.ReadMapping(Field("spec:\n  a: 1\n  foo: 2\n", "spec"), {"a", "b"});
  ASSERT_TRUE(mapping.has_value());
  EXPECT_TRUE(mapping->Get("a").has_value());
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:3:3: unknown field \"foo\" in spec (expected one of: a, b)"));
}

TEST_F(YamlReaderTest, ReportsRefusedFieldWithItsReason) {
  reader_.ReadMapping(Field("meta:\n  namespace: x\n", "meta"), {"name"},
                      {{"namespace", "not allowed: cluster-scoped"}});
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:2:3: meta.namespace: not allowed: cluster-scoped"));
}

TEST_F(YamlReaderTest, ReportsDuplicateFieldAtTheSecond) {
  std::optional<YamlMapping> mapping =
      reader_.ReadMapping(Document("a: 1\nb: 2\na: 3\n"), {"a", "b"});
  ASSERT_TRUE(mapping.has_value());
  EXPECT_EQ(mapping->Get("a")->node().Scalar(), "1");
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:3:1: duplicate field \"a\" (first at f.yaml:1:1)"));
}

TEST_F(YamlReaderTest, ReportsWhatWasFoundInsteadOfAMapping) {
  EXPECT_FALSE(reader_.ReadMapping(Field("spec: [1]\n", "spec"), {"a"}).has_value());
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:1:7: spec: expected a mapping, got a sequence"));
}

TEST_F(YamlReaderTest, RequireReportsMissingAndEmptyFields) {
  std::optional<YamlMapping> mapping = reader_.ReadMapping(
      Field("meta:\n  labels: {}\n  name:\n", "meta"), {"name", "labels", "uid"});
  ASSERT_TRUE(mapping.has_value());
  EXPECT_FALSE(mapping->Require("uid").has_value());
  EXPECT_FALSE(mapping->Require("name").has_value());
  EXPECT_FALSE(mapping->Get("name").has_value()) << "null means absent";
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:2:3: missing required field \"uid\" in meta",
                                               "f.yaml:3:3: meta.name: required field is empty"));
}

TEST_F(YamlReaderTest, SequenceItemsCarryTheirPath) {
  const YamlValue list = Field("ports:\n  - 1\n  - {port: x}\n", "ports");
  const std::vector<YamlValue> items = reader_.ReadSequence(list);
  ASSERT_EQ(items.size(), 2u);
  std::optional<YamlMapping> second = reader_.ReadMapping(items[1], {"port"});
  ASSERT_TRUE(second.has_value());
  reader_.ReadInt(*second->Get("port"), 1, 65535);
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:3:12: ports[1].port: expected an integer "
                                               "from 1 to 65535, got \"x\""));
}

TEST_F(YamlReaderTest, ReadSequenceRejectsAScalar) {
  EXPECT_THAT(reader_.ReadSequence(Field("to: x\n", "to")), IsEmpty());
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:1:5: to: expected a sequence, got \"x\""));
}

TEST_F(YamlReaderTest, ReadIntChecksTypeAndRange) {
  EXPECT_THAT(reader_.ReadInt(Field("n: 443\n", "n"), 1, 65535), Optional(443));
  EXPECT_THAT(reader_.ReadInt(Field("n: -3\n", "n"), -5, 5), Optional(-3));
  EXPECT_EQ(reader_.ReadInt(Field("n: 0\n", "n"), 1, 65535), std::nullopt);
  EXPECT_EQ(reader_.ReadInt(Field("n: http\n", "n"), 1, 65535, "use a number"), std::nullopt);
  EXPECT_EQ(reader_.ReadInt(Field("n: \"80\"\n", "n"), 1, 65535), std::nullopt);
  EXPECT_EQ(reader_.ReadInt(Field("n: 99999999999999999999\n", "n"), 1, 65535), std::nullopt);
  EXPECT_EQ(reader_.ReadInt(Field("n: 1.5\n", "n"), 1, 65535), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:1:4: n: expected an integer from 1 to 65535, got 0",
                          "f.yaml:1:4: n: expected an integer from 1 to 65535, got \"http\" (use a "
                          "number)",
                          "f.yaml:1:4: n: expected an integer from 1 to 65535, got \"80\"",
                          "f.yaml:1:4: n: expected an integer from 1 to 65535, got "
                          "99999999999999999999",
                          "f.yaml:1:4: n: expected an integer from 1 to 65535, got \"1.5\""));
}

TEST_F(YamlReaderTest, ReadBoolAcceptsOnlyTrueAndFalse) {
  EXPECT_THAT(reader_.ReadBool(Field("b: true\n", "b")), Optional(true));
  EXPECT_THAT(reader_.ReadBool(Field("b: False\n", "b")), Optional(false));
  EXPECT_EQ(reader_.ReadBool(Field("b: yes\n", "b")), std::nullopt);
  EXPECT_EQ(reader_.ReadBool(Field("b: \"true\"\n", "b")), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:1:4: b: expected true or false, got \"yes\"",
                          "f.yaml:1:4: b: expected true or false, got \"true\""));
}

TEST_F(YamlReaderTest, ReadEnumNamesTheChoices) {
  enum class Mode { kEnforce, kAudit };
  const auto read = [&](const std::string& text) {
    return reader_.ReadEnum<Mode>(Field(text, "mode"),
                                  {{"enforce", Mode::kEnforce}, {"audit", Mode::kAudit}});
  };
  EXPECT_THAT(read("mode: audit\n"), Optional(Mode::kAudit));
  EXPECT_EQ(read("mode: enforc\n"), std::nullopt);
  EXPECT_EQ(read("mode: {a: 1}\n"), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:1:7: mode: expected one of enforce, audit, got \"enforc\"",
                          "f.yaml:1:7: mode: expected one of enforce, audit, got a mapping"));
}

TEST_F(YamlReaderTest, ReadExactSaysWhatItExpected) {
  EXPECT_TRUE(reader_.ReadExact(Field("kind: Policy\n", "kind"), "Policy"));
  EXPECT_FALSE(reader_.ReadExact(Field("kind: List\n", "kind"), "Policy"));
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:1:7: kind: expected Policy, got \"List\""));
}

TEST_F(YamlReaderTest, ReadStringRejectsCollections) {
  EXPECT_THAT(reader_.ReadString(Field("s: \"x y\"\n", "s")), Optional(std::string("x y")));
  EXPECT_EQ(reader_.ReadString(Field("s: [a]\n", "s")), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:1:4: s: expected a string, got a sequence"));
}

TEST_F(YamlReaderTest, ReadLabelsChecksSyntaxAndKeepsTheGoodEntries) {
  const std::optional<Labels> labels = reader_.ReadLabels(Field(
      "labels:\n  nsfence.io/tier: job\n  empty:\n  Bad Key: x\n  v: -x\n  tier: job\n  m: [1]\n",
      "labels"));
  EXPECT_THAT(labels, Optional(ElementsAre(Pair("empty", ""), Pair("nsfence.io/tier", "job"),
                                           Pair("tier", "job"))));
  ASSERT_EQ(diagnostics_.size(), 3u);
  EXPECT_EQ(diagnostics_[0].ToString(),
            "f.yaml:4:3: labels[\"Bad Key\"]: \"Bad Key\" is not a valid label key (the name must "
            "be at most 63 characters of A-Z, a-z, 0-9, '-', '_' and '.', starting and ending "
            "with a letter or digit)");
  EXPECT_EQ(diagnostics_[1].pos.ToString(), "f.yaml:5:6");
  EXPECT_EQ(diagnostics_[2].ToString(),
            "f.yaml:7:6: labels[\"m\"]: expected a string, got a sequence");
}

TEST_F(YamlReaderTest, ReadStringMapReportsDuplicateKeys) {
  reader_.ReadStringMap(Field("a:\n  k: 1\n  k: 2\n", "a"));
  EXPECT_THAT(Texts(diagnostics_),
              ElementsAre("f.yaml:3:3: duplicate key \"k\" in a (first at f.yaml:2:3)"));
}

TEST_F(YamlReaderTest, ReadParsedReportsTheParsersMessage) {
  const auto parse = [](absl::string_view text) -> absl::StatusOr<int> {
    if (text == "one") return 1;
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not one"));
  };
  EXPECT_THAT(reader_.ReadParsed<int>(Field("n: one\n", "n"), parse), Optional(1));
  EXPECT_EQ(reader_.ReadParsed<int>(Field("n: two\n", "n"), parse), std::nullopt);
  EXPECT_THAT(Texts(diagnostics_), ElementsAre("f.yaml:1:4: n: \"two\" is not one"));
}

TEST(SortByPositionTest, OrdersTopToBottomKeepingTies) {
  Diagnostics diagnostics = {
      {{"f", 3, 1}, "c"}, {{"f", 1, 5}, "b"}, {{"f", 1, 2}, "a"}, {{"f", 3, 1}, "d"}};
  SortByPosition(&diagnostics);
  EXPECT_THAT(Texts(diagnostics), ElementsAre("f:1:2: a", "f:1:5: b", "f:3:1: c", "f:3:1: d"));
}

TEST(ReadFileTextTest, ReportsAMissingFile) {
  Diagnostics diagnostics;
  EXPECT_EQ(ReadFileText("/nonexistent/nsfence.yaml", &diagnostics), std::nullopt);
  EXPECT_THAT(Texts(diagnostics),
              ElementsAre("/nonexistent/nsfence.yaml: no such file or directory"));
}

TEST(ReadFileTextTest, ReadsAWholeFile) {
  Diagnostics diagnostics;
  const std::string path = NSFENCE_SOURCE_DIR "/tests/unit/common/yaml_fields_test.cc";
  std::optional<std::string> text = ReadFileText(path, &diagnostics);
  ASSERT_TRUE(text.has_value());
  EXPECT_THAT(*text, ::testing::HasSubstr("ReadsAWholeFile"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

TEST(KubernetesNamesTest, DnsLabel) {
  EXPECT_TRUE(CheckDnsLabel("job-a").ok());
  EXPECT_TRUE(CheckDnsLabel("a").ok());
  EXPECT_TRUE(CheckDnsLabel(std::string(63, 'a')).ok());
  for (const char* bad : {"", "Job", "job_a", "-a", "a-", "a.b"}) {
    EXPECT_FALSE(CheckDnsLabel(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckDnsLabel(std::string(64, 'a')).ok());
  EXPECT_EQ(CheckDnsLabel("Job").message(),
            "\"Job\" is not a valid DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit)");
}

TEST(KubernetesNamesTest, DnsSubdomain) {
  EXPECT_TRUE(CheckDnsSubdomain("workflow-jobs").ok());
  EXPECT_TRUE(CheckDnsSubdomain("a.b-c.d").ok());
  EXPECT_TRUE(CheckDnsSubdomain(std::string(253, 'a')).ok());
  for (const char* bad : {"", "A", "a..b", ".a", "a.", "a.-b", "a_b"}) {
    EXPECT_FALSE(CheckDnsSubdomain(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckDnsSubdomain(std::string(254, 'a')).ok());
}

TEST(KubernetesNamesTest, LabelKey) {
  for (const char* good : {"tier", "nsfence.io/tier", "kubernetes.io/metadata.name", "A_b.C-d"}) {
    EXPECT_TRUE(CheckLabelKey(good).ok()) << good;
  }
  for (const char* bad : {"", "/tier", "Nsfence.io/tier", "a/b/c", "nsfence.io/", "-x", "x y"}) {
    EXPECT_FALSE(CheckLabelKey(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckLabelKey(std::string(64, 'a')).ok());
  EXPECT_TRUE(CheckLabelKey(std::string(63, 'a')).ok());
  EXPECT_EQ(CheckLabelKey("UPPER/x").message(),
            "\"UPPER/x\" is not a valid label key (the prefix before '/' must be a DNS-1123 "
            "subdomain, e.g. nsfence.io)");
}

TEST(KubernetesNamesTest, LabelValue) {
  for (const char* good : {"", "job", "v1.2_3-x", "A"}) {
    EXPECT_TRUE(CheckLabelValue(good).ok()) << good;
  }
  for (const char* bad : {"-job", "job.", "a b", "a/b"}) {
    EXPECT_FALSE(CheckLabelValue(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckLabelValue(std::string(64, 'a')).ok());
}

}  // namespace
}  // namespace nsfence
