#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/viewer_output.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

class HlsOutputTest : public test::TempFolderTest {
protected:
  std::filesystem::path store_ = folder_ / "store";
  std::filesystem::path dir_ = folder_ / "hls";

  void SetUp() override { make_dirs(store_); }

  /// A verified segment in the "store".
  OutputSegment segment(std::int64_t seq, const std::string &name,
                        double duration, const std::string &bytes = "media",
                        bool init = false) {
    auto file = store_ / (std::to_string(seq) + "-" + name);
    write_file_atomically(file, bytes);
    OutputSegment segment;
    segment.seq = seq;
    segment.file = file;
    segment.name = name;
    segment.duration_s = duration;
    segment.init = init;
    return segment;
  }
  OutputSegment init(std::int64_t seq, const std::string &name,
                     const std::string &bytes) {
    return segment(seq, name, 0, bytes, true);
  }

  std::string playlist() const { return read_whole_file(dir_ / "index.m3u8"); }
};

/// The inode of `path`.
ino_t inode(const std::filesystem::path &path) {
  struct stat status {};
  EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
  return status.st_ino;
}

/// The names in `dir`.
std::vector<std::string> names_in(const std::filesystem::path &dir) {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

TEST_F(HlsOutputTest, ALiveRoomIsAnEventPlaylistUntilItEnds) {
  auto output = make_hls_output(dir_, OutputKind::live);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "index.m3u8"))
      << "a playlist without segments before the first one";
  auto first = segment(5, "seg00005.ts", 8.0);
  ASSERT_TRUE(output->write(first));
  EXPECT_EQ(playlist(), "#EXTM3U\n"
                        "#EXT-X-VERSION:3\n"
                        "#EXT-X-TARGETDURATION:8\n"
                        "#EXT-X-MEDIA-SEQUENCE:5\n"
                        "#EXT-X-PLAYLIST-TYPE:EVENT\n"
                        "#EXTINF:8.000000,\nseg00005.ts\n");
  ASSERT_TRUE(output->write(segment(6, "seg00006.ts", 8.4)));
  auto text = playlist();
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:9\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ENDLIST"), std::string::npos);
  output->finish();
  EXPECT_TRUE(playlist().ends_with("seg00006.ts\n#EXT-X-ENDLIST\n"));
  EXPECT_NE(playlist().find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos);
  // Hard links to the store's files, not copies; no temporary left.
  EXPECT_EQ(inode(dir_ / "seg00005.ts"), inode(first.file));
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{
                                "index.m3u8", "seg00005.ts", "seg00006.ts"}));
  EXPECT_TRUE(MediaPlaylist::read(playlist())) << "not read back";
}

TEST_F(HlsOutputTest, AVideoBecomesAVodPlaylistOnlyWhenComplete) {
  auto output = make_hls_output(dir_, OutputKind::vod);
  ASSERT_TRUE(output->write(segment(0, "seg00000.ts", 8.0)));
  EXPECT_NE(playlist().find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos);
  ASSERT_TRUE(output->write(segment(1, "seg00001.ts", 3.5)));
  output->finish();
  auto text = playlist();
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("EVENT"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("#EXT-X-ENDLIST\n")) << text;
  auto read = MediaPlaylist::read(text);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text(), text);
}

TEST_F(HlsOutputTest, AnFmp4RoomMapsItsInitSegmentAndEachChange) {
  auto output = make_hls_output(dir_, OutputKind::live);
  ASSERT_TRUE(output->write(init(0, "init.mp4", "INIT-A")));
  ASSERT_TRUE(output->write(segment(1, "seg00001.m4s", 2.0)));
  // The same init segment again (a restart that did not change it).
  ASSERT_TRUE(output->write(init(2, "init.mp4", "INIT-A")));
  ASSERT_TRUE(output->write(segment(3, "seg00003.m4s", 2.0)));
  // Another one under the same name: the first stays for seg00001.
  ASSERT_TRUE(output->write(init(4, "init.mp4", "INIT-B")));
  auto discontinuous = segment(5, "seg00005.m4s", 2.0);
  ASSERT_TRUE(output->write(discontinuous));
  EXPECT_EQ(playlist(), "#EXTM3U\n"
                        "#EXT-X-VERSION:7\n"
                        "#EXT-X-TARGETDURATION:2\n"
                        "#EXT-X-MEDIA-SEQUENCE:1\n"
                        "#EXT-X-PLAYLIST-TYPE:EVENT\n"
                        "#EXT-X-MAP:URI=\"init.mp4\"\n"
                        "#EXTINF:2.000000,\nseg00001.m4s\n"
                        "#EXTINF:2.000000,\nseg00003.m4s\n"
                        "#EXT-X-DISCONTINUITY\n"
                        "#EXT-X-MAP:URI=\"init-4.mp4\"\n"
                        "#EXTINF:2.000000,\nseg00005.m4s\n");
  EXPECT_EQ(read_whole_file(dir_ / "init.mp4"), "INIT-A");
  EXPECT_EQ(read_whole_file(dir_ / "init-4.mp4"), "INIT-B");
  auto read = MediaPlaylist::read(playlist());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text(), playlist()) << "a second EXT-X-MAP read back";
}

TEST_F(HlsOutputTest, ADiscontinuityIsMarked) {
  auto output = make_hls_output(dir_, OutputKind::live);
  ASSERT_TRUE(output->write(segment(0, "a.ts", 8.0)));
  auto jump = segment(1, "b.ts", 8.0);
  jump.discontinuity = true;
  ASSERT_TRUE(output->write(jump));
  EXPECT_TRUE(playlist().ends_with("a.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:8.000000,\nb.ts\n"))
      << playlist();
}

TEST_F(HlsOutputTest, NamesThatAreNotPlainFileNamesAreRefused) {
  auto output = make_hls_output(dir_, OutputKind::live);
  for (std::string name : std::vector<std::string>{"../escape.ts", "sub/a.ts", ".hidden.ts", "..",
                           "index.m3u8", "", std::string("a\0b", 3)}) {
    auto bad = segment(0, "x.ts", 8.0);
    bad.name = name;
    try {
      output->write(bad);
      ADD_FAILURE() << "'" << name << "' accepted";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::data) << name;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(folder_ / "escape.ts"));
  EXPECT_TRUE(names_in(dir_).empty());
}

TEST_F(HlsOutputTest, ARerunIntoTheSameFolderReplacesItsFiles) {
  auto first = segment(0, "a.ts", 8.0);
  for (int run = 0; run < 2; ++run) {
    auto output = make_hls_output(dir_, OutputKind::live);
    ASSERT_TRUE(output->write(first)); // the same store file: one inode
    output->finish();
  }
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{"a.ts", "index.m3u8"}));
}

TEST_F(HlsOutputTest, AnotherFileSystemGetsCopies) {
  // /dev/shm is a tmpfs: no hard link reaches it from the temporary folder.
  struct stat shm {}, here {};
  if (::stat("/dev/shm", &shm) != 0 || ::stat(folder_.path().c_str(), &here) != 0 ||
      shm.st_dev == here.st_dev || ::access("/dev/shm", W_OK) != 0)
    GTEST_SKIP() << "no writable /dev/shm on another file system";
  auto dir = std::filesystem::path("/dev/shm") /
             ("hlswarm-test-" + std::to_string(::getpid()) + "-hls");
  auto output = make_hls_output(dir, OutputKind::live);
  auto first = segment(0, "a.ts", 8.0, "copied bytes");
  ASSERT_TRUE(output->write(first));
  EXPECT_EQ(read_whole_file(dir / "a.ts"), "copied bytes");
  EXPECT_NE(inode(dir / "a.ts"), inode(first.file));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"a.ts", "index.m3u8"}));
  std::filesystem::remove_all(dir);
}

TEST_F(HlsOutputTest, AFolderThatCannotBeMadeIsCantCreate) {
  write_file_atomically(folder_ / "file", "not a folder");
  try {
    make_hls_output(folder_ / "file" / "hls", OutputKind::live);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
}

TEST_F(HlsOutputTest, FinishingWithoutSegmentsWritesAnEmptyEndedPlaylist) {
  auto output = make_hls_output(dir_, OutputKind::live);
  output->finish();
  EXPECT_TRUE(playlist().ends_with("#EXT-X-ENDLIST\n"));
}
