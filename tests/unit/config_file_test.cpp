#include "hlswarm/base/config_file.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

using Strings = std::vector<std::string>;

/// The reason parse_config gives for `text`, after checking that it names
/// the source and line `line`.
std::string problem(const std::string &text, std::size_t line) {
  try {
    parse_config(text, "c.toml");
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::usage) << text;
    EXPECT_EQ(e.subject(), config_line_name("c.toml", line)) << text;
    return e.reason();
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

using ConfigFiles = test::TempFolderTest;

} // namespace

TEST(ParseConfig, ReadsKeysValuesAndSections) {
  auto entries = parse_config("# shared settings\n"
                              "\n"
                              "store = \"/srv/hlswarm\"  # where\n"
                              "max-size = 20G\n"
                              "  quiet=true\r\n"
                              "bootstrap = [\"a:1\", 'b:2',]\n"
                              "name = \"a \\\"b\\\" # c\"\n"
                              "[status]\n"
                              "timeout = \"30s\"\n"
                              "verify.room = 'x'\n",
                              "c.toml");
  ASSERT_EQ(entries.size(), 7u);
  EXPECT_EQ(entries[0].key, "store");
  EXPECT_EQ(entries[0].values, Strings{"/srv/hlswarm"});
  EXPECT_EQ(entries[0].section, "");
  EXPECT_EQ(entries[0].line, 3u);
  EXPECT_EQ(entries[1].values, Strings{"20G"});
  EXPECT_EQ(entries[2].key, "quiet");
  EXPECT_EQ(entries[2].values, Strings{"true"});
  EXPECT_EQ(entries[3].values, (Strings{"a:1", "b:2"}));
  EXPECT_EQ(entries[4].values, Strings{"a \"b\" # c"});
  EXPECT_EQ(entries[5].section, "status");
  EXPECT_EQ(entries[5].key, "timeout");
  EXPECT_EQ(entries[5].line, 9u);
  EXPECT_EQ(entries[6].section, "status.verify");
  EXPECT_EQ(entries[6].key, "room");
}

TEST(ParseConfig, EmptyTextAndCommentsHaveNoEntries) {
  EXPECT_TRUE(parse_config("", "c.toml").empty());
  EXPECT_TRUE(parse_config("\n  # only a comment\n\n", "c.toml").empty());
  EXPECT_EQ(parse_config("empty = []", "c.toml").at(0).values, Strings{});
}

TEST(ParseConfig, NamesTheLineOfEveryMistake) {
  EXPECT_EQ(problem("this is not toml", 1), "not a 'key = value' line");
  EXPECT_NE(problem("a = 1\nmax size = 20G", 2).find("a key may hold only"),
            std::string::npos);
  EXPECT_NE(problem("\n\nmax-size = ", 3).find("a value is missing"),
            std::string::npos);
  EXPECT_NE(problem("store = /srv/my store", 1).find("after the value"),
            std::string::npos);
  EXPECT_NE(problem("store = \"/srv", 1).find("must end with"),
            std::string::npos);
  EXPECT_NE(problem("room = \"a\\qb\"", 1).find("unknown escape"),
            std::string::npos);
  EXPECT_NE(problem("peer = [\"a\", \"b\"", 1).find("array"), std::string::npos);
  EXPECT_NE(problem("[status", 1).find("']'"), std::string::npos);
  EXPECT_NE(problem("[[rooms]]", 1).find("not supported"), std::string::npos);
  EXPECT_NE(problem("x = \"\"\"a\"\"\"", 1).find("multi-line"),
            std::string::npos);
  EXPECT_NE(problem("x = a;b", 1).find("must be in quotes"), std::string::npos);
  EXPECT_EQ(problem("max-size = 1G\nmax-size = 2G", 2),
            "max-size is set twice (first on line 1)");
}

TEST(ParseConfig, TheSameKeyInTwoSectionsIsTwoKeys) {
  auto entries = parse_config("timeout = 1s\n[status]\ntimeout = 2s\n", "c");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(problem("[status]\ntimeout = 1s\n[other]\n[status]\ntimeout = 2s",
                    5),
            "timeout is set twice (first on line 2)");
}

TEST_F(ConfigFiles, ReadsAFileAndNamesItInErrors) {
  auto path = folder_ / "config.toml";
  std::ofstream(path) << "max-size = \"20G\"\nnonsense\n";
  try {
    read_config_file(path);
    FAIL() << "accepted a bad line";
  } catch (const Error &e) {
    EXPECT_EQ(e.subject(), path.string() + " line 2");
  }
  std::ofstream(path) << "max-size = \"20G\"\n";
  EXPECT_EQ(read_config_file(path).at(0).values, Strings{"20G"});
  EXPECT_THROW(read_config_file(folder_ / "missing.toml"), Error);
}
