#include "hlswarm/base/error.hpp"
#include "hlswarm/media/segment.hpp"

#include <gtest/gtest.h>

using namespace hlswarm;

TEST(SegmentFileName, FillsInTheNumber) {
  EXPECT_EQ(segment_file_name("seg%05d.ts", 0), "seg00000.ts");
  EXPECT_EQ(segment_file_name("seg%05d.ts", 123456), "seg123456.ts");
  EXPECT_EQ(segment_file_name("%d.m4s", 42), "42.m4s");
  EXPECT_EQ(segment_file_name("100%%-%3d.ts", 7), "100%-  7.ts");
}

TEST(SegmentFileName, RejectsPatternsThatCannotNameEverySegment) {
  for (const char *bad : {"", "seg.ts", "seg%s.ts", "a%d%d.ts", "dir/%d.ts",
                          "%x.ts", "seg%5.ts", "%d%", "%99d.ts"}) {
    try {
      check_name_pattern(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
      EXPECT_EQ(e.subject(), "--name");
    }
  }
  EXPECT_NO_THROW(check_name_pattern("seg%05d.ts"));
  EXPECT_NO_THROW(check_name_pattern("live-%d.m4s"));
}

TEST(SegmentLine, CarriesTheFixedFields) {
  Segment segment;
  segment.seq = 3;
  segment.path = "/out/seg00003.ts";
  segment.start = 24.0;
  segment.duration = 8.0;
  segment.bytes = 1234;
  Json line = segment_line(segment);
  EXPECT_EQ(line["v"], 1);
  EXPECT_EQ(line["seq"], 3);
  EXPECT_EQ(line["path"], "/out/seg00003.ts");
  EXPECT_DOUBLE_EQ(line["start"].get<double>(), 24.0);
  EXPECT_DOUBLE_EQ(line["duration"].get<double>(), 8.0);
  EXPECT_EQ(line["bytes"], 1234);
  EXPECT_EQ(line["format"], "mpegts");
  EXPECT_FALSE(line.contains("init"));

  segment.format = SegmentFormat::fmp4;
  segment.init = "/out/init.mp4";
  line = segment_line(segment);
  EXPECT_EQ(line["format"], "fmp4");
  EXPECT_EQ(line["init"], "/out/init.mp4");
}

TEST(SegmentFileName, RecognisesTheNamesOfEverySegment) {
  EXPECT_TRUE(is_segment_file_name("seg%05d.ts", "seg00000.ts"));
  EXPECT_TRUE(is_segment_file_name("seg%05d.ts", "seg123456.ts"));
  EXPECT_TRUE(is_segment_file_name("%d.m4s", "42.m4s"));
  EXPECT_TRUE(is_segment_file_name("100%%-%3d.ts", "100%-  7.ts"));
  EXPECT_FALSE(is_segment_file_name("seg%05d.ts", "seg0000.ts"));
  EXPECT_FALSE(is_segment_file_name("seg%05d.ts", "seg00001.m4s"));
  EXPECT_FALSE(is_segment_file_name("seg%05d.ts", "seg-0001.ts"));
  EXPECT_FALSE(is_segment_file_name("seg%05d.ts", "seg.ts"));
  EXPECT_FALSE(is_segment_file_name("seg%d.ts", "seg01.ts"));
  EXPECT_FALSE(is_segment_file_name("seg%d.ts", "seg+1.ts"));
  EXPECT_FALSE(is_segment_file_name("%d", "99999999999999999999"));
  EXPECT_FALSE(is_segment_file_name("seg%05d.ts", "init.mp4"));
}
