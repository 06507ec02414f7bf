#include "hlswarm/base/line_input.hpp"

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <unistd.h>
#include <utility>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/signals.hpp"

namespace hlswarm {
namespace {

constexpr std::size_t max_line_bytes = 64 * 1024;

} // namespace

LineInput::LineInput(int fd, std::string source, std::chrono::milliseconds drain)
    : fd_(fd), source_(std::move(source)), drain_(drain) {}

// Waits for input with the stop signals blocked except inside ppoll, so a
// signal cannot slip in between checking stop_requested() and sleeping.
bool LineInput::fill() {
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  struct Restore {
    sigset_t *mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, mask, nullptr); }
  } restore{&previous};

  for (;;) {
    timespec timeout = {};
    timespec *wait = nullptr;
    if (stop_requested()) {
      auto now = std::chrono::steady_clock::now();
      if (!deadline_)
        deadline_ = now + drain_;
      if (now >= *deadline_) {
        drain_expired_ = true;
        return false;
      }
      auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline_ - now);
      timeout.tv_sec = static_cast<time_t>(left.count() / 1000000000);
      timeout.tv_nsec = static_cast<long>(left.count() % 1000000000);
      wait = &timeout;
    }
    pollfd ready = {fd_, POLLIN, 0};
    int rc = ::ppoll(&ready, 1, wait, &previous);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0)
      throw system_error(Exit::io, source_, errno);
    if (rc == 0)
      continue; // the drain deadline is checked at the top
    char chunk[65536];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0)
      throw system_error(Exit::io, source_, errno);
    if (n == 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<std::string> LineInput::next() {
  for (;;) {
    auto newline = buffer_.find('\n');
    // Whether or not its end has arrived: a long line's newline may come
    // in the read after the one that passed the limit.
    if ((newline == std::string::npos ? buffer_.size() : newline) > max_line_bytes)
      throw Error(Exit::data, source_ + ":" + std::to_string(line_number_ + 1),
                  "line longer than 64 KiB");
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      ++line_number_;
      return line;
    }
    if (eof_ || drain_expired_ || !fill()) {
      if (drain_expired_ || buffer_.empty())
        return std::nullopt;
      ++line_number_;
      return std::exchange(buffer_, std::string());
    }
  }
}

} // namespace hlswarm
