#include "hlswarm/base/error.hpp"
#include "hlswarm/media/playlist.hpp"
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

TEST(SegmentLine, EndLineCountsSegments) {
  EXPECT_EQ(end_line({5, false}).dump(), R"({"end":true,"segments":5,"v":1})");
}

TEST(MediaPlaylist, IsAnEventPlaylistUntilEnded) {
  MediaPlaylist playlist(0, 8.0);
  playlist.add("seg00000.ts", 8.0);
  playlist.add("seg00001.ts", 7.96);
  std::string text = playlist.text();
  EXPECT_EQ(text, "#EXTM3U\n"
                  "#EXT-X-VERSION:3\n"
                  "#EXT-X-TARGETDURATION:8\n"
                  "#EXT-X-MEDIA-SEQUENCE:0\n"
                  "#EXT-X-PLAYLIST-TYPE:EVENT\n"
                  "#EXTINF:8.000000,\nseg00000.ts\n"
                  "#EXTINF:7.960000,\nseg00001.ts\n");
  playlist.end();
  EXPECT_TRUE(playlist.text().ends_with("seg00001.ts\n#EXT-X-ENDLIST\n"));
}

TEST(MediaPlaylist, TargetDurationCoversTheLongestSegment) {
  MediaPlaylist playlist(10, 2.0, "init.mp4");
  playlist.add("a.m4s", 2.0);
  playlist.add("b.m4s", 6.6);
  std::string text = playlist.text();
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:7\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:10\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-VERSION:7\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4\"\n"), std::string::npos);
}

TEST(MediaPlaylist, AContinuedPlaylistKeepsWhatCameBeforeARestart) {
  MediaPlaylist first(10, 2.0, "init.mp4");
  first.add("a.m4s", 2.0);
  first.add("b.m4s", 1.5);
  first.end();
  auto next = MediaPlaylist::continued(first.text(), 12, 2.0, "init.mp4");
  ASSERT_TRUE(next);
  EXPECT_FALSE(MediaPlaylist::continued(first.text(), 12, 2.0, "other.mp4"));
  EXPECT_FALSE(MediaPlaylist::continued(first.text(), 12, 2.0, ""));
  next->add("c.m4s", 2.0);
  next->end();
  // Read back again: a second restart keeps the first discontinuity.
  auto again = MediaPlaylist::continued(next->text(), 13, 2.0, "init.mp4");
  ASSERT_TRUE(again);
  again->add("d.m4s", 2.0);
  EXPECT_EQ(again->text(), "#EXTM3U\n"
                           "#EXT-X-VERSION:7\n"
                           "#EXT-X-TARGETDURATION:2\n"
                           "#EXT-X-MEDIA-SEQUENCE:10\n"
                           "#EXT-X-PLAYLIST-TYPE:EVENT\n"
                           "#EXT-X-MAP:URI=\"init.mp4\"\n"
                           "#EXTINF:2.000000,\na.m4s\n"
                           "#EXTINF:1.500000,\nb.m4s\n"
                           "#EXT-X-DISCONTINUITY\n"
                           "#EXTINF:2.000000,\nc.m4s\n"
                           "#EXT-X-DISCONTINUITY\n"
                           "#EXTINF:2.000000,\nd.m4s\n");
}

TEST(MediaPlaylist, OnlyAPlaylistEndingRightBeforeTheNextSeqIsContinued) {
  MediaPlaylist playlist(0, 8.0);
  playlist.add("seg00000.ts", 8.0);
  auto text = playlist.text();
  EXPECT_FALSE(MediaPlaylist::continued(text, 0, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued(text, 2, 8.0, ""));
  EXPECT_TRUE(MediaPlaylist::continued(text, 1, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued(text, 1, 8.0, "init.mp4"))
      << "MPEG-TS segments continued by fMP4 ones with no EXT-X-MAP";
  EXPECT_FALSE(MediaPlaylist::continued("", 1, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued("not a playlist\n", 1, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued(
      "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n#EXTINF:8,\na.ts\n", 1, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued(
      "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:8,\n", 1, 8.0, ""));
  EXPECT_FALSE(MediaPlaylist::continued(
      "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\na.ts\n", 1, 8.0, ""));
}

TEST(MediaPlaylist, RefersToSegmentsRelativeToItsFolder) {
  EXPECT_EQ(relative_uri("/srv/live/segs/seg00001.ts", "/srv/live"),
            "segs/seg00001.ts");
  EXPECT_EQ(relative_uri("/srv/segs/a b%.ts", "/srv/segs"), "a%20b%25.ts");
  EXPECT_EQ(relative_uri("/srv/segs/x.ts", "/srv/playlists"), "../segs/x.ts");
}
