#include "hlswarm/base/fsutil.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "hlswarm/base/error.hpp"

using namespace hlswarm;
namespace fs = std::filesystem;

namespace {
fs::path fresh_folder(const char *name) {
  auto dir = fs::temp_directory_path() /
             (std::string("hlswarm-fsutil-") + name + "-" +
              std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
std::string read_all(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
} // namespace

TEST(WriteFileAtomically, LeavesOnlyTheFinalFileWithItsMode) {
  auto dir = fresh_folder("atomic");
  write_file_atomically(dir / "key", "secret", 0600);
  EXPECT_EQ(read_all(dir / "key"), "secret");
  struct stat info {};
  ASSERT_EQ(::stat((dir / "key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), {}), 1);
  fs::remove_all(dir);
}

TEST(WriteFileAtomically, ReplacesAnExistingFileWhole) {
  auto dir = fresh_folder("replace");
  write_file_atomically(dir / "f", "old contents");
  write_file_atomically(dir / "f", "new");
  EXPECT_EQ(read_all(dir / "f"), "new");
  fs::remove_all(dir);
}

TEST(TemporaryName, IsRecognisedAndInTheSameFolder) {
  auto temporary = temporary_name_for("/a/b/seg00001.ts");
  EXPECT_EQ(temporary.parent_path(), fs::path("/a/b"));
  EXPECT_TRUE(is_temporary_name(temporary));
  EXPECT_FALSE(is_temporary_name("/a/b/seg00001.ts"));
}

TEST(MakeDirs, FailsWithCantCreateUnderAFile) {
  auto dir = fresh_folder("mkdir");
  write_file_atomically(dir / "file", "x");
  try {
    make_dirs(dir / "file" / "sub");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
  fs::remove_all(dir);
}

TEST(MakeDirs, AcceptsTheEmptyParentOfABareFileName) {
  EXPECT_NO_THROW(make_dirs(std::filesystem::path("key").parent_path()));
}
