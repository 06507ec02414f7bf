#include "hlswarm/media/viewer_output.hpp"

#include <cerrno>
#include <memory>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "init_segment_memory.hpp"

namespace hlswarm {

bool InitSegmentMemory::is_new(const std::filesystem::path &file) {
  std::string bytes = read_whole_file(file);
  if (last_ == bytes)
    return false;
  last_ = std::move(bytes);
  return true;
}

namespace {

/// Write errors that mean the reader went away rather than a failure.
bool reader_gone(int error) { return error == EPIPE || error == ECONNRESET; }

/// Write errors that mean the target's file system is out of room.
bool out_of_room(int error) { return error == ENOSPC || error == EDQUOT; }

/// Segments back to back on a descriptor: a pipe, a socket, a file.
class StreamOutput : public ViewerOutput {
public:
  /// `owned`: close `fd` at finish() or destruction.
  StreamOutput(int fd, std::string what, bool owned)
      : fd_(fd), what_(std::move(what)), owned_(owned) {
    struct stat status {};
    if (::fstat(fd_, &status) != 0)
      throw system_error(Exit::io, what_, errno);
    socket_ = S_ISSOCK(status.st_mode);
  }
  ~StreamOutput() override {
    if (owned_ && fd_ >= 0)
      ::close(fd_);
  }
  StreamOutput(const StreamOutput &) = delete;
  StreamOutput &operator=(const StreamOutput &) = delete;

  bool write(const OutputSegment &segment) override {
    if (gone_)
      return false;
    if (segment.init && !init_.is_new(segment.file))
      return true;
    copy_from(segment.file);
    return !gone_;
  }

  void finish() override {
    if (!owned_ || fd_ < 0)
      return;
    int fd = fd_;
    fd_ = -1;
    // close(2) is where NFS and some FUSE file systems report a failed
    // write-back: a file that did not get its bytes is not "done".
    if (::close(fd) != 0 && errno != EINTR && !gone_)
      throw system_error(out_of_room(errno) ? Exit::cant_create : Exit::io,
                         what_, errno);
  }

private:
  void copy_from(const std::filesystem::path &source) {
    int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
      throw system_error(errno == ENOENT ? Exit::no_input : Exit::io,
                         source.string(), errno);
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{in};
    if (!buffer_)
      buffer_ = std::make_unique<char[]>(buffer_size);
    while (!gone_) {
      ssize_t got = ::read(in, buffer_.get(), buffer_size);
      if (got < 0 && errno == EINTR)
        continue; // a regular file: the read ends at once anyway
      if (got < 0)
        throw system_error(Exit::io, source.string(), errno);
      if (got == 0)
        return;
      write_all(buffer_.get(), static_cast<std::size_t>(got));
    }
  }

  /// Writes all of `data` unless the reader went away (gone_ is set then).
  void write_all(const char *data, std::size_t size) {
    while (size > 0) {
      ssize_t put = socket_ ? ::send(fd_, data, size, MSG_NOSIGNAL)
                            : ::write(fd_, data, size);
      if (put >= 0) {
        data += put;
        size -= static_cast<std::size_t>(put);
        continue;
      }
      int error = errno;
      if (reader_gone(error)) {
        gone_ = true;
        return;
      }
      if (error == EINTR || error == EAGAIN || error == EWOULDBLOCK) {
        // A player that pauses stops reading: the write waits, and Ctrl-C
        // must still end it.
        if (stop_requested())
          throw Error(Exit::interrupted, what_, "interrupted");
        if (error != EINTR)
          wait_until_writable();
        continue;
      }
      throw system_error(out_of_room(error) ? Exit::cant_create : Exit::io,
                         what_, error);
    }
  }

  /// For a non-blocking descriptor: waits until it takes more bytes (or a
  /// signal arrives, which the caller checks).
  void wait_until_writable() {
    pollfd ready{fd_, POLLOUT, 0};
    if (::poll(&ready, 1, -1) < 0 && errno != EINTR)
      throw system_error(Exit::io, what_, errno);
  }

  // cat's buffer size. Measured on 100 MB of 8 MB segments into a pipe:
  // 128 KiB copies as fast as cat; 1 MiB was a third slower (the buffer
  // no longer stays in the cache while the pipe drains). Plain reads and
  // writes rather than sendfile, which cannot say which side failed.
  static constexpr std::size_t buffer_size = 1 << 17;

  int fd_;
  std::string what_;
  bool owned_;
  bool socket_ = false;
  bool gone_ = false;
  std::unique_ptr<char[]> buffer_;
  InitSegmentMemory init_;
};

} // namespace

std::unique_ptr<ViewerOutput> make_stream_output(int fd, std::string what) {
  return std::make_unique<StreamOutput>(fd, std::move(what), false);
}

std::unique_ptr<ViewerOutput> make_file_output(const std::filesystem::path &file) {
  int fd = -1;
  do {
    // A FIFO blocks here until its reader opens it; Ctrl-C ends the wait.
    fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EINTR && stop_requested())
      throw Error(Exit::interrupted, file.string(), "interrupted");
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    throw system_error(Exit::cant_create, file.string(), errno);
  try {
    return std::make_unique<StreamOutput>(fd, file.string(), true);
  } catch (...) {
    ::close(fd);
    throw;
  }
}

void OutputSet::add(std::unique_ptr<ViewerOutput> output, std::string what) {
  outputs_.push_back({std::move(output), std::move(what)});
}

bool OutputSet::write(const OutputSegment &segment) {
  for (auto named = outputs_.begin(); named != outputs_.end();) {
    if (named->output->write(segment)) {
      ++named;
      continue;
    }
    gone_.push_back(std::move(named->what));
    named = outputs_.erase(named);
  }
  return !outputs_.empty();
}

void OutputSet::finish() {
  for (Named &named : outputs_)
    named.output->finish();
}

} // namespace hlswarm
