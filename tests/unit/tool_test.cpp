#include "hlswarm/base/tool.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "hlswarm/base/diag.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;
using namespace std::chrono_literals;

namespace {

/// The reason parse_size or parse_duration gives for `text`, after
/// checking that it is a usage error naming the option.
template <typename Parse> std::string refusal(Parse parse, const char *text) {
  try {
    parse(text, "--option");
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::usage) << text;
    EXPECT_EQ(e.subject(), "--option") << text;
    return e.reason();
  }
  ADD_FAILURE() << "accepted '" << text << "'";
  return {};
}

std::string size_refusal(const char *text) { return refusal(parse_size, text); }
std::string duration_refusal(const char *text) {
  return refusal(parse_duration, text);
}

} // namespace

TEST(ParseSize, AcceptsUnitsInPowersOf1024) {
  EXPECT_EQ(parse_size("4096B", "--max-size"), 4096u);
  EXPECT_EQ(parse_size("500M", "--max-size"), 500ull << 20);
  EXPECT_EQ(parse_size("20G", "--max-size"), 20ull << 30);
  EXPECT_EQ(parse_size("20GB", "--max-size"), 20ull << 30);
  EXPECT_EQ(parse_size("20GiB", "--max-size"), 20ull << 30);
  EXPECT_EQ(parse_size("1.5k", "--max-size"), 1536u);
  EXPECT_EQ(parse_size("2T", "--max-size"), 2ull << 40);
  EXPECT_EQ(parse_size("16777215T", "--max-size"), 16777215ull << 40);
}

TEST(ParseSize, RefusesANumberWithoutAUnitButZero) {
  EXPECT_EQ(size_refusal("20"), "'20' has no unit: say 20G (or M, K, T; B "
                                "for bytes)");
  EXPECT_NE(size_refusal("4096").find("no unit"), std::string::npos);
  EXPECT_NE(size_refusal("0.5").find("no unit"), std::string::npos);
  EXPECT_EQ(parse_size("0", "--max-size"), 0u);
  EXPECT_EQ(parse_size("0G", "--max-size"), 0u);
}

TEST(ParseSize, RejectsGarbageWithExitUsage) {
  for (const char *bad : {"", "G", "12X", "-5M", "1e30T", "abc", "0x10G",
                          "inf", "1.G", ".5G", "20 G", "20GiBs", "20iB"})
    EXPECT_NE(size_refusal(bad).find("is not a size"), std::string::npos)
        << bad;
}

TEST(ParseSize, RefusesWhatDoesNotFitIn64BitsWithTheMaximum) {
  for (const char *big : {"16777216T", "99999999999999999999G",
                          "1000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000"
                          "00000000000000000000000000000000000000000000000K"})
    EXPECT_NE(size_refusal(big).find("out of range (at most 16777215T)"),
              std::string::npos)
        << big;
}

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("0", "--linger"), 0s);
  EXPECT_EQ(parse_duration("90", "--max-idle"), 90s);
  EXPECT_EQ(parse_duration("90s", "--max-idle"), 90s);
  EXPECT_EQ(parse_duration("15m", "--max-idle"), 900s);
  EXPECT_EQ(parse_duration("36h", "--max-idle"), 36h);
  EXPECT_EQ(parse_duration("14d", "--max-idle"), 14 * 24h);
  EXPECT_EQ(parse_duration("2w", "--max-idle"), 14 * 24h);
  EXPECT_EQ(parse_duration("1h30m", "--max-idle"), 90min);
}

TEST(ParseDuration, RejectsAmbiguousOrBadText) {
  for (const char *bad : {"", "h", "1h30", "5x", "-3s", "1.5h", "1 h"})
    EXPECT_NE(duration_refusal(bad).find("is not a duration"),
              std::string::npos)
        << bad;
}

TEST(ParseDuration, AcceptsUpToTheMaximumAndRefusesMoreSayingIt) {
  EXPECT_EQ(max_duration, 3650 * 24h);
  EXPECT_EQ(parse_duration("3650d", "--timeout"), max_duration);
  EXPECT_EQ(parse_duration("3649d23h59m60s", "--timeout"), max_duration);
  // 106752d overflowed a nanosecond clock: status gave up at once.
  for (const char *long_ones :
       {"3650d1s", "106752d", "1000000d", "99999999999999999999999s",
        "522w", "3649d24h1s", "315360001"})
    EXPECT_EQ(duration_refusal(long_ones),
              fmt::format("'{}' is out of range (at most 3650d)", long_ones));
}

// Tool: the command line first, then the config file for what it left
// unset; --help and --version whatever the file holds.
namespace {

class ToolTest : public test::TempFolderTest {
protected:
  // Tool::run configures the process-wide diagnostics: leave them as the
  // other tests expect them.
  void TearDown() override { diag::set_quiet(false); }

  /// Runs a program "t" with --max-size, --max-idle, a "sub" subcommand
  /// with --timeout, on `args` after "t"; stdout and stderr are captured.
  int run(std::vector<std::string> args) {
    Tool tool("t", "a test program");
    add_size_option(tool.app(), "--max-size",
                    [&](std::uint64_t bytes) { size = bytes; }, "quota");
    add_duration_option(tool.app(), "--max-idle",
                        [&](std::chrono::seconds age) { idle = age; }, "age");
    CLI::App *sub = tool.app().add_subcommand("sub", "a subcommand");
    add_duration_option(*sub, "--timeout",
                        [&](std::chrono::seconds t) { timeout = t; }, "wait");
    sub->fallthrough();
    args.insert(args.begin(), "t");
    std::vector<char *> argv;
    for (std::string &arg : args)
      argv.push_back(arg.data());
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    int code = tool.run(static_cast<int>(argv.size()), argv.data(), [&] {
      quiet = tool.common().quiet;
      return Exit::ok;
    });
    out = testing::internal::GetCapturedStdout();
    err = testing::internal::GetCapturedStderr();
    return code;
  }

  /// Writes `text` as the config file and returns "--config", its path.
  std::vector<std::string> config(const std::string &text) {
    std::ofstream(folder_ / "config.toml") << text;
    return {"--config", (folder_ / "config.toml").string()};
  }

  std::string config_path() const { return (folder_ / "config.toml").string(); }

  std::optional<std::uint64_t> size;
  std::optional<std::chrono::seconds> idle, timeout;
  bool quiet = false;
  std::string out, err;
};

std::vector<std::string> operator+(std::vector<std::string> a,
                                   const std::vector<std::string> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

} // namespace

TEST_F(ToolTest, HelpAndVersionWorkWithABrokenConfigFile) {
  auto broken = config("this is not toml\n");
  EXPECT_EQ(run(broken + std::vector<std::string>{"--help"}), 0) << err;
  EXPECT_NE(out.find("Usage: t"), std::string::npos) << out;
  EXPECT_EQ(run(broken + std::vector<std::string>{"sub", "--help"}), 0) << err;
  EXPECT_NE(out.find("--timeout"), std::string::npos) << out;
  EXPECT_EQ(run(broken + std::vector<std::string>{"--version"}), 0) << err;
  EXPECT_NE(out.find("t (hlswarm) "), std::string::npos) << out;
  config("max-size = 20\n");
  EXPECT_EQ(run(broken + std::vector<std::string>{"--help"}), 0) << err;
  EXPECT_EQ(run({"--config", "/nonexistent.toml", "--version"}), 0) << err;
}

TEST_F(ToolTest, HelpWinsOverABadValueBesideIt) {
  EXPECT_EQ(run({"--max-size", "lots", "--help"}), 0) << err;
  EXPECT_NE(out.find("Usage: t"), std::string::npos);
  EXPECT_EQ(run({"sub", "--timeout", "soon", "--help"}), 0) << err;
  EXPECT_NE(out.find("--timeout"), std::string::npos);
  EXPECT_EQ(run({"--max-size", "lots"}), 64);
  EXPECT_NE(err.find("t: error: --max-size: 'lots' is not a size"),
            std::string::npos)
      << err;
}

TEST_F(ToolTest, ConfigErrorsNameTheFileAndLine) {
  EXPECT_EQ(run(config("quiet = true\nthis is not toml\n")), 64);
  EXPECT_EQ(err, "t: error: " + config_path() +
                     " line 2: not a 'key = value' line\n");
  EXPECT_EQ(run(config("# quota\nmax-size = 20\n")), 64);
  EXPECT_EQ(err, "t: error: " + config_path() + " line 2: max-size: '20' has "
                 "no unit: say 20G (or M, K, T; B for bytes)\n");
  EXPECT_EQ(run(config("max-idle = 106752d\n")), 64);
  EXPECT_NE(err.find(config_path() + " line 1: max-idle: '106752d' is out of "
                     "range (at most 3650d)"),
            std::string::npos)
      << err;
  EXPECT_EQ(run(config("quiet = maybe\n")), 64);
  EXPECT_NE(err.find(config_path() + " line 1: quiet: a flag takes true or "
                     "false"),
            std::string::npos)
      << err;
  EXPECT_EQ(run(config("max-size = [\"1G\", \"2G\"]\n")), 64);
  EXPECT_NE(err.find(config_path() + " line 1: max-size: takes one value, not "
                     "an array"),
            std::string::npos)
      << err;
  EXPECT_EQ(run(config("help = true\n")), 64);
  EXPECT_NE(err.find("line 1: help: cannot be set in a config file"),
            std::string::npos)
      << err;
}

TEST_F(ToolTest, TheCommandLineWinsOverTheConfigFile) {
  auto file = config("max-size = \"1G\"\nmax-idle = 14d\nquiet = true\n"
                     "other-programs-key = 3\n[other]\nx = 1\n");
  EXPECT_EQ(run(file), 0) << err;
  EXPECT_EQ(size, 1ull << 30);
  EXPECT_EQ(idle, 14 * 24h);
  EXPECT_TRUE(quiet);
  size.reset();
  EXPECT_EQ(run(file + std::vector<std::string>{"--max-size", "2G"}), 0) << err;
  EXPECT_EQ(size, 2ull << 30);
  // A value the config file would refuse does not matter when the command
  // line gives the option.
  file = config("max-size = 20\n");
  EXPECT_EQ(run(file + std::vector<std::string>{"--max-size", "3G"}), 0) << err;
  EXPECT_EQ(size, 3ull << 30);
}

TEST_F(ToolTest, ASectionConfiguresItsSubcommand) {
  auto file = config("timeout = 5s\n[sub]\ntimeout = \"30s\"\n");
  EXPECT_EQ(run(file + std::vector<std::string>{"sub"}), 0) << err;
  EXPECT_EQ(timeout, 30s);
  file = config("[sub]\ntimeout = 99999d\n");
  EXPECT_EQ(run(file + std::vector<std::string>{"sub"}), 64);
  EXPECT_NE(err.find(config_path() + " line 2: timeout: '99999d' is out of "
                     "range"),
            std::string::npos)
      << err;
}

TEST_F(ToolTest, AConfigFileNamedButMissingIsNoInput) {
  EXPECT_EQ(run({"--config", (folder_ / "missing.toml").string()}), 66);
  EXPECT_NE(err.find("missing.toml: no such config file (from --config)"),
            std::string::npos)
      << err;
}
