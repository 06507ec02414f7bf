#include "hlswarm/base/fsutil.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

namespace {

/// Closes a descriptor when it goes out of scope.
struct ClosingFd {
  int fd;
  ~ClosingFd() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Write errors that mean the target's file system is out of room.
bool out_of_room(int error) { return error == ENOSPC || error == EDQUOT; }

} // namespace

void make_dirs(const std::filesystem::path &dir) {
  // "" is the parent of a bare file name ("key", "live.m3u8"): the current
  // folder, which exists.
  if (dir.empty())
    return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error(Exit::cant_create, dir.string(), ec.message());
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(Exit::cant_create, dir.string(), "not a folder");
}

void fsync_path(const std::filesystem::path &path) {
  // "" is the parent folder of a bare file name: the current folder.
  const char *name = path.empty() ? "." : path.c_str();
  int fd = ::open(name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw system_error(Exit::io, path.string(), errno);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0 && saved != EINVAL) // some file systems can't fsync folders
    throw system_error(out_of_room(saved) ? Exit::cant_create : Exit::io,
                       path.string(), saved);
}

void commit_file(const std::filesystem::path &temporary,
                 const std::filesystem::path &final) {
  fsync_path(temporary);
  if (::rename(temporary.c_str(), final.c_str()) != 0)
    throw system_error(Exit::cant_create, final.string(), errno);
  fsync_path(final.parent_path());
}

void write_file_atomically(const std::filesystem::path &path,
                           std::string_view bytes, int mode) {
  auto temporary = temporary_name_for(path);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  mode);
  if (fd < 0)
    throw system_error(Exit::cant_create, path.string(), errno);
  const char *data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      remove_quietly(temporary);
      throw system_error(Exit::io, path.string(), saved);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fd);
  try {
    commit_file(temporary, path);
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
}

std::filesystem::path temporary_name_for(const std::filesystem::path &final) {
  auto name = "." + final.filename().string() + ".tmp-" +
              std::to_string(::getpid());
  return final.parent_path() / name;
}

void check_can_create(const std::filesystem::path &final) {
  std::filesystem::path probe = temporary_name_for(final);
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0644);
  if (fd < 0)
    throw system_error(Exit::cant_create, final.string(), errno);
  ::close(fd);
  remove_quietly(probe);
}

bool is_temporary_name(const std::filesystem::path &path) {
  auto name = path.filename().string();
  return name.size() > 1 && name[0] == '.' &&
         name.find(".tmp-") != std::string::npos;
}


void copy_file_contents(const std::filesystem::path &source,
                        const std::filesystem::path &target,
                        std::string_view target_name) {
  ClosingFd in{::open(source.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0)
    throw system_error(errno == ENOENT ? Exit::no_input : Exit::io,
                       source.string(), errno);
  ClosingFd out{
      ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0)
    throw system_error(Exit::cant_create, target_name, errno);
  // Plain reads and writes, not sendfile: a short sendfile cannot say
  // whether the input or the output failed (the store's full disk was once
  // reported as an input/output error on the healthy input).
  constexpr std::size_t buffer_size = 1 << 20;
  auto buffer = std::make_unique<char[]>(buffer_size);
  for (;;) {
    ssize_t got = ::read(in.fd, buffer.get(), buffer_size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      throw system_error(Exit::io, source.string(), errno);
    if (got == 0)
      return;
    const char *data = buffer.get();
    auto left = static_cast<std::size_t>(got);
    while (left > 0) {
      ssize_t put = ::write(out.fd, data, left);
      if (put < 0 && errno == EINTR)
        continue;
      if (put < 0)
        throw system_error(out_of_room(errno) ? Exit::cant_create : Exit::io,
                           target_name, errno);
      data += put;
      left -= static_cast<std::size_t>(put);
    }
  }
}

void remove_quietly(const std::filesystem::path &path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

std::string read_whole_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw system_error(Exit::no_input, path.string(), errno);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(Exit::no_input, path.string(), "not a regular file");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad())
    throw Error(Exit::io, path.string(), "read failed");
  return content.str();
}

ProcessLock::ProcessLock(const std::filesystem::path &path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw system_error(Exit::cant_create, path.string(), errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char text[32] = {};
    ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
    holder_ = n > 0 ? std::strtol(text, nullptr, 10) : 0;
    return;
  }
  held_ = true;
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    throw system_error(Exit::io, path.string(), errno);
}

ProcessLock::~ProcessLock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the lock
}

} // namespace hlswarm
