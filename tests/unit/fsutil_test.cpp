#include "hlswarm/base/fsutil.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;
namespace fs = std::filesystem;

TEST(WriteFileAtomically, LeavesOnlyTheFinalFileWithItsMode) {
  test::TempFolder dir;
  write_file_atomically(dir / "key", "secret", 0600);
  EXPECT_EQ(read_whole_file(dir / "key"), "secret");
  struct stat info {};
  ASSERT_EQ(::stat((dir / "key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), {}), 1);
}

TEST(WriteFileAtomically, ReplacesAnExistingFileWhole) {
  test::TempFolder dir;
  write_file_atomically(dir / "f", "old contents");
  write_file_atomically(dir / "f", "new");
  EXPECT_EQ(read_whole_file(dir / "f"), "new");
}

TEST(TemporaryName, IsRecognisedAndInTheSameFolder) {
  auto temporary = temporary_name_for("/a/b/seg00001.ts");
  EXPECT_EQ(temporary.parent_path(), fs::path("/a/b"));
  EXPECT_TRUE(is_temporary_name(temporary));
  EXPECT_FALSE(is_temporary_name("/a/b/seg00001.ts"));
}

TEST(MakeDirs, FailsWithCantCreateUnderAFile) {
  test::TempFolder dir;
  write_file_atomically(dir / "file", "x");
  try {
    make_dirs(dir / "file" / "sub");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
}

TEST(MakeDirs, AcceptsTheEmptyParentOfABareFileName) {
  EXPECT_NO_THROW(make_dirs(std::filesystem::path("key").parent_path()));
}

TEST(CopyFileContents, CopiesTheBytes) {
  test::TempFolder dir;
  write_file_atomically(dir / "in", "some bytes");
  copy_file_contents(dir / "in", dir / "out", "the copy");
  EXPECT_EQ(read_whole_file(dir / "out"), "some bytes");
}

TEST(CopyFileContents, AFullDiskIsCantCreateNamingTheTarget) {
  test::TempFolder dir;
  write_file_atomically(dir / "in", std::string(100000, 'x'));
  try {
    copy_file_contents(dir / "in", "/dev/full", "store/segments/ab/ab.ts");
    FAIL() << "copied onto a full disk";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
    EXPECT_EQ(e.subject(), "store/segments/ab/ab.ts");
    EXPECT_EQ(e.reason(), "no space left on device");
  }
}

TEST(CopyFileContents, AMissingSourceIsNoInputNamingIt) {
  test::TempFolder dir;
  try {
    copy_file_contents(dir / "missing", dir / "out", "the copy");
    FAIL() << "copied a missing file";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::no_input);
    EXPECT_EQ(e.subject(), (dir / "missing").string());
  }
}
