#include "hlswarm/media/viewer_output.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sys/ioctl.h>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;
using namespace std::chrono_literals;

namespace {

/// A descriptor closed with this object.
struct Fd {
  int fd = -1;
  ~Fd() { close(); }
  void close() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

/// A pipe: read end, write end.
struct Pipe {
  Fd read, write;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read.fd = fds[0];
    write.fd = fds[1];
  }
};

/// Everything readable from `fd` until end of file.
/// Waits (at most 10 s) until the pipe holds as much as it can: a writer
/// of more is then blocked, or about to be. True if it filled up.
bool wait_until_full(int read_fd) {
  int capacity = ::fcntl(read_fd, F_GETPIPE_SZ);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int queued = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::ioctl(read_fd, FIONREAD, &queued) == 0 && queued >= capacity)
      return true;
    std::this_thread::yield();
  }
  return false;
}

std::string read_all(int fd) {
  std::string bytes;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return bytes;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
}

/// `size` bytes that differ from one position (and one seed) to the next.
std::string pattern(std::size_t size, char seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>(seed + static_cast<char>(i * 7 + i / 251));
  return bytes;
}

class ViewerOutputTest : public test::TempFolderTest {
protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); } // as Tool does

  /// A segment file `name` holding `bytes`, in the test's folder.
  OutputSegment segment(std::int64_t seq, const std::string &name,
                        const std::string &bytes, bool init = false) {
    auto file = folder_ / ("store-" + name);
    write_file_atomically(file, bytes);
    OutputSegment segment;
    segment.seq = seq;
    segment.file = file;
    segment.name = name;
    segment.duration_s = init ? 0 : 8;
    segment.init = init;
    return segment;
  }
};

} // namespace

TEST_F(ViewerOutputTest, AStreamIsTheSegmentsBackToBack) {
  std::string a = pattern(188 * 1000, 'a'), b = pattern(3 << 20, 'b');
  auto file = folder_ / "out.ts";
  {
    auto output = make_file_output(file);
    ASSERT_TRUE(output->write(segment(0, "a.ts", a)));
    // Written as it goes: a player may read the file while it grows.
    EXPECT_EQ(read_whole_file(file), a);
    ASSERT_TRUE(output->write(segment(1, "b.ts", b)));
    output->finish();
  }
  EXPECT_EQ(read_whole_file(file), a + b);
}

TEST_F(ViewerOutputTest, AFileOutputReplacesWhatWasThere) {
  auto file = folder_ / "out.ts";
  write_file_atomically(file, pattern(100000, 'x'));
  auto output = make_file_output(file);
  EXPECT_EQ(std::filesystem::file_size(file), 0u);
  ASSERT_TRUE(output->write(segment(0, "a.ts", "short")));
  output->finish();
  EXPECT_EQ(read_whole_file(file), "short");
}

TEST_F(ViewerOutputTest, AnInitSegmentIsWrittenAgainOnlyWhenItChanges) {
  auto file = folder_ / "out.mp4";
  auto output = make_file_output(file);
  ASSERT_TRUE(output->write(segment(0, "init.mp4", "INIT-A", true)));
  ASSERT_TRUE(output->write(segment(1, "s1.m4s", "one")));
  // The same bytes again (another record, another file): not repeated.
  ASSERT_TRUE(output->write(segment(2, "init2.mp4", "INIT-A", true)));
  ASSERT_TRUE(output->write(segment(3, "s3.m4s", "three")));
  ASSERT_TRUE(output->write(segment(4, "init.mp4", "INIT-B", true)));
  ASSERT_TRUE(output->write(segment(5, "s5.m4s", "five")));
  output->finish();
  EXPECT_EQ(read_whole_file(file), "INIT-Aonethree" "INIT-Bfive");
}

TEST_F(ViewerOutputTest, ALargeSegmentCrossesAPipeWhole) {
  // Bigger than a pipe's buffer: the writes are partial and wait for the
  // reader, on a blocking and on a non-blocking descriptor.
  std::string bytes = pattern(5 << 20, 'p');
  for (bool nonblocking : {false, true}) {
    Pipe pipe;
    if (nonblocking) {
      ASSERT_EQ(::fcntl(pipe.write.fd, F_SETFL, O_NONBLOCK), 0);
    }
    std::string got;
    bool filled = false;
    std::thread reader([&] {
      filled = wait_until_full(pipe.read.fd); // the writes must wait for us
      got = read_all(pipe.read.fd);
    });
    auto output = make_stream_output(pipe.write.fd, "standard output");
    bool written = output->write(segment(0, "big.ts", bytes));
    output->finish();
    pipe.write.close();
    reader.join();
    EXPECT_TRUE(filled);
    EXPECT_TRUE(written);
    EXPECT_TRUE(got == bytes) << "nonblocking " << nonblocking << ": "
                              << got.size() << " bytes";
  }
}

TEST_F(ViewerOutputTest, AClosedPipeIsTheConsumerGoneNotAnError) {
  Pipe pipe;
  pipe.read.close(); // the player quit
  auto output = make_stream_output(pipe.write.fd, "standard output");
  EXPECT_FALSE(output->write(segment(0, "a.ts", pattern(100000, 'a'))));
  EXPECT_FALSE(output->write(segment(1, "b.ts", "more")));
  EXPECT_NO_THROW(output->finish());
}

TEST_F(ViewerOutputTest, AClosedSocketNeedsNoSigpipeIgnored) {
  std::signal(SIGPIPE, SIG_DFL); // a socket's writes are MSG_NOSIGNAL
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  Fd ours{fds[0]}, theirs{fds[1]};
  theirs.close();
  auto output = make_stream_output(ours.fd, "socket");
  EXPECT_FALSE(output->write(segment(0, "a.ts", pattern(300000, 'a'))));
  std::signal(SIGPIPE, SIG_IGN);
}

TEST_F(ViewerOutputTest, AFullDiskIsCantCreate) {
  if (!std::filesystem::exists("/dev/full"))
    GTEST_SKIP() << "no /dev/full";
  auto output = make_file_output("/dev/full");
  try {
    output->write(segment(0, "a.ts", "bytes"));
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
    EXPECT_EQ(e.subject(), "/dev/full");
    EXPECT_EQ(e.reason(), "no space left on device");
  }
}

TEST_F(ViewerOutputTest, AFileThatCannotBeCreatedIsCantCreate) {
  try {
    make_file_output(folder_ / "missing" / "out.ts");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
}

TEST_F(ViewerOutputTest, AMissingSourceNamesTheSource) {
  auto output = make_file_output(folder_ / "out.ts");
  OutputSegment missing = segment(0, "a.ts", "x");
  std::filesystem::remove(missing.file);
  try {
    output->write(missing);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::no_input);
    EXPECT_EQ(e.subject(), missing.file.string());
  }
}

TEST_F(ViewerOutputTest, CtrlCEndsAWriteThatWaitsForAPausedPlayer) {
  EXPECT_EXIT(
      {
        install_stop_handlers();
        Pipe pipe; // nobody reads: the write blocks once the pipe is full
        pthread_t writer = ::pthread_self();
        std::mutex mutex;
        std::condition_variable changed;
        bool done = false;
        std::thread interrupter([&] {
          // Once the pipe is full the write blocks (or is about to, and
          // then sees the stop request); a signal at most every half
          // second until the write returns, ten at most.
          wait_until_full(pipe.read.fd);
          std::unique_lock lock(mutex);
          for (int i = 0; i < 10 && !done; ++i) {
            ::pthread_kill(writer, SIGINT);
            changed.wait_for(lock, 500ms, [&] { return done; });
          }
        });
        int status = 1;
        try {
          make_stream_output(pipe.write.fd, "standard output")
              ->write(segment(0, "a.ts", pattern(4 << 20, 'a')));
        } catch (const Error &e) {
          if (e.code() == Exit::interrupted)
            status = 0;
        }
        {
          std::lock_guard lock(mutex);
          done = true;
        }
        changed.notify_all();
        interrupter.join();
        std::exit(status);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ViewerOutputTest, AnOutputSetGoesOnWithoutAConsumerThatLeft) {
  Pipe pipe;
  auto file = folder_ / "out.ts";
  OutputSet outputs;
  outputs.add(make_stream_output(pipe.write.fd, "standard output"), "standard output");
  outputs.add(make_file_output(file), file.string());
  EXPECT_EQ(outputs.remaining(), 2u);
  ASSERT_TRUE(outputs.write(segment(0, "a.ts", "one")));
  EXPECT_TRUE(outputs.gone().empty());
  pipe.read.close();
  ASSERT_TRUE(outputs.write(segment(1, "b.ts", "two")));
  EXPECT_EQ(outputs.gone(), std::vector<std::string>{"standard output"});
  EXPECT_EQ(outputs.remaining(), 1u);
  ASSERT_TRUE(outputs.write(segment(2, "c.ts", "three")));
  outputs.finish();
  EXPECT_EQ(read_whole_file(file), "onetwothree");
}

TEST_F(ViewerOutputTest, AnOutputSetIsGoneWhenEveryConsumerIs) {
  Pipe pipe;
  OutputSet outputs;
  outputs.add(make_stream_output(pipe.write.fd, "standard output"), "standard output");
  pipe.read.close();
  EXPECT_FALSE(outputs.write(segment(0, "a.ts", "one")));
  EXPECT_EQ(outputs.remaining(), 0u);
  EXPECT_EQ(outputs.gone().size(), 1u);
}
