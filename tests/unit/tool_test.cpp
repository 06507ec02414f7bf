#include "hlswarm/base/tool.hpp"

#include <gtest/gtest.h>

using namespace hlswarm;
using namespace std::chrono_literals;

TEST(ParseSize, AcceptsUnitsInPowersOf1024) {
  EXPECT_EQ(parse_size("4096", "--max-size"), 4096u);
  EXPECT_EQ(parse_size("500M", "--max-size"), 500ull << 20);
  EXPECT_EQ(parse_size("20G", "--max-size"), 20ull << 30);
  EXPECT_EQ(parse_size("20GiB", "--max-size"), 20ull << 30);
  EXPECT_EQ(parse_size("1.5k", "--max-size"), 1536u);
}

TEST(ParseSize, RejectsGarbageWithExitUsage) {
  for (const char *bad : {"", "G", "12X", "-5M", "1e30T", "abc"}) {
    try {
      parse_size(bad, "--max-size");
      FAIL() << "accepted " << bad;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage);
      EXPECT_EQ(e.subject(), "--max-size");
    }
  }
}

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("90", "--max-idle"), 90s);
  EXPECT_EQ(parse_duration("90s", "--max-idle"), 90s);
  EXPECT_EQ(parse_duration("15m", "--max-idle"), 900s);
  EXPECT_EQ(parse_duration("36h", "--max-idle"), 36h);
  EXPECT_EQ(parse_duration("14d", "--max-idle"), 14 * 24h);
  EXPECT_EQ(parse_duration("1h30m", "--max-idle"), 90min);
}

TEST(ParseDuration, RejectsAmbiguousOrBadText) {
  for (const char *bad : {"", "h", "1h30", "5x", "-3s"})
    EXPECT_THROW(parse_duration(bad, "--max-idle"), Error) << bad;
}
