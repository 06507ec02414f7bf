// Video imports: the names they give and the files they pass over
// (video_import.cpp). The imports themselves are tested through the
// import-videos helper, in tests/cli/video-import.
#include <gtest/gtest.h>

#include "hlswarm/chain/room.hpp"
#include "hlswarm/room/video_import.hpp"

using namespace hlswarm;

TEST(VideoImport, HiddenFilesAndPartialDownloadsAreIgnored) {
  for (const char *name : {".talk.mp4", "talk.mp4.part", "talk.tmp", "x.crdownload", ""})
    EXPECT_TRUE(ignored_import_name(name)) << name;
  for (const char *name : {"talk.mp4", "talk", "part", "a.tmp.mp4", "tmp"})
    EXPECT_FALSE(ignored_import_name(name)) << name;
}

TEST(VideoImport, TheRoomNameIsTheFileNameWithoutItsExtension) {
  EXPECT_EQ(room_name_for_file("/v/My talk.mp4"), "My talk");
  EXPECT_EQ(room_name_for_file("/v/a.b.mkv"), "a.b");
  EXPECT_EQ(room_name_for_file("/v/plain"), "plain");
  EXPECT_EQ(room_name_for_file("/v/  spaced  .mp4"), "spaced");
  EXPECT_EQ(room_name_for_file("/v/   .mp4"), "video");
  EXPECT_EQ(room_name_for_file("/v/tab\there\xff.mp4"), "tab_here_");
}

TEST(VideoImport, ALongNameIsCutOnACharacterBoundary) {
  // 30 two-byte characters and 10 three-byte ones: 90 bytes.
  std::string name;
  for (int i = 0; i < 30; ++i)
    name += "\xc3\xa9"; // é
  for (int i = 0; i < 10; ++i)
    name += "\xe2\x82\xac"; // €
  auto cut = room_name_for_file("/v/" + name + ".mp4");
  EXPECT_EQ(cut.size(), 63u); // 60 + one € (63); two would be 66
  EXPECT_FALSE(room_name_problem(cut));
  EXPECT_EQ(cut, name.substr(0, 63));
}
