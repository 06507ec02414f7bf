#include "hlswarm/base/line_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

using LineInputFile = test::TempFolderTest;

} // namespace

TEST(LineInput, SplitsLinesAcrossReadsAndKeepsAnUnterminatedLast) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string text = "one\n\ntwo\nthree";
  ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  LineInput input(fds[0], "pipe");
  EXPECT_EQ(input.next(), "one");
  EXPECT_EQ(input.next(), "");
  EXPECT_EQ(input.next(), "two");
  EXPECT_EQ(input.next(), "three");
  EXPECT_EQ(input.next(), std::nullopt);
  EXPECT_EQ(input.line_number(), 4u);
  ::close(fds[0]);
}

// The newline of this line arrives in a second read (reads are 64 KiB):
// it used to pass.
TEST_F(LineInputFile, ALineOver64KiBIsBadDataNamingItsLine) {
  auto path = folder_ / "lines";
  std::ofstream(path) << "short\n" << std::string(64 * 1024 + 1, 'x') << "\n";
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  LineInput input(fd, "lines");
  EXPECT_EQ(input.next(), "short");
  try {
    input.next();
    ADD_FAILURE() << "accepted a line over 64 KiB";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_EQ(e.subject(), "lines:2");
  }
  ::close(fd);
}

TEST_F(LineInputFile, ALineOf64KiBExactlyPasses) {
  auto path = folder_ / "lines";
  std::ofstream(path) << std::string(64 * 1024, 'x') << "\n"
                      << std::string(64 * 1024, 'y');
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  LineInput input(fd, "lines");
  EXPECT_EQ(input.next(), std::string(64 * 1024, 'x'));
  EXPECT_EQ(input.next(), std::string(64 * 1024, 'y'));
  EXPECT_EQ(input.next(), std::nullopt);
  ::close(fd);
}
