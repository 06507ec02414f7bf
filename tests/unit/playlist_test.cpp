#include "hlswarm/media/playlist.hpp"

#include <gtest/gtest.h>

using namespace hlswarm;

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

TEST(MediaPlaylist, ReadsBackOnlyWhatItWrote) {
  MediaPlaylist written(4, 8.0, "init.mp4");
  written.add("segs/a.m4s", 8.0);
  written.end();
  auto read = MediaPlaylist::read(written.text());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text(), written.text());
  EXPECT_EQ(read->uris(), std::vector<std::string>{"segs/a.m4s"});
  // An empty playlist of ours is still ours.
  EXPECT_TRUE(MediaPlaylist::read(MediaPlaylist(0, 8.0).text()));

  // Another tool's playlists: a master playlist, ffmpeg's VOD playlist, a
  // tag this class never writes, no EXT-X-PLAYLIST-TYPE:EVENT.
  EXPECT_FALSE(MediaPlaylist::read("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
                                   "low.m3u8\n"));
  EXPECT_FALSE(MediaPlaylist::read("#EXTM3U\n#EXT-X-VERSION:3\n"
                                   "#EXT-X-TARGETDURATION:8\n"
                                   "#EXT-X-MEDIA-SEQUENCE:0\n"
                                   "#EXTINF:8.0,\na.ts\n#EXT-X-ENDLIST\n"));
  std::string text = written.text();
  EXPECT_FALSE(MediaPlaylist::read(text + "#EXT-X-PROGRAM-DATE-TIME:x\n"));
  EXPECT_FALSE(MediaPlaylist::read("\x00\x00\x00\x20" "ftypisom"));
}

TEST(MediaPlaylist, AChangedInitSegmentIsMappedBeforeTheNextSegment) {
  MediaPlaylist playlist(0, 2.0);
  playlist.set_map("init.mp4"); // before any segment: in the header
  playlist.add("a.m4s", 2.0);
  playlist.set_map("init.mp4"); // the same: nothing new
  playlist.add("b.m4s", 2.0);
  playlist.set_map("init-2.mp4");
  playlist.add("c.m4s", 2.0, true);
  std::string text = playlist.text();
  EXPECT_TRUE(text.ends_with("#EXT-X-MAP:URI=\"init.mp4\"\n"
                             "#EXTINF:2.000000,\na.m4s\n"
                             "#EXTINF:2.000000,\nb.m4s\n"
                             "#EXT-X-DISCONTINUITY\n"
                             "#EXT-X-MAP:URI=\"init-2.mp4\"\n"
                             "#EXTINF:2.000000,\nc.m4s\n"))
      << text;
  // A restart continues with the init segment now in force.
  EXPECT_TRUE(MediaPlaylist::continued(text, 3, 2.0, "init-2.mp4"));
  EXPECT_FALSE(MediaPlaylist::continued(text, 3, 2.0, "init.mp4"));
  EXPECT_FALSE(MediaPlaylist::read(text + "#EXT-X-MAP:URI=\"x.mp4\"\n"))
      << "an EXT-X-MAP with no segment after it";
}

TEST(MediaPlaylist, AVodPlaylistIsReadBackAndContinuedAsAnEvent) {
  MediaPlaylist playlist(0, 8.0);
  playlist.add("a.ts", 8.0);
  playlist.end(PlaylistType::vod);
  std::string text = playlist.text();
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos);
  auto read = MediaPlaylist::read(text);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text(), text);
  auto next = MediaPlaylist::continued(text, 1, 8.0, "");
  ASSERT_TRUE(next);
  EXPECT_NE(next->text().find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos);
  playlist.raise_target_duration(11.5);
  playlist.raise_target_duration(3);
  EXPECT_NE(playlist.text().find("#EXT-X-TARGETDURATION:12\n"), std::string::npos);
}
