#include "hlswarm/base/signals.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace hlswarm {
namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<int> g_stop_count{0};
int g_wake_pipe[2] = {-1, -1};

void on_stop_signal(int signal_number) {
  int expected = 0;
  g_stop_signal.compare_exchange_strong(expected, signal_number);
  g_stop_count.fetch_add(1);
  if (g_wake_pipe[1] >= 0) {
    const char byte = 1;
    int saved_errno = errno;
    [[maybe_unused]] auto n = ::write(g_wake_pipe[1], &byte, 1);
    errno = saved_errno;
  }
}

} // namespace

void install_stop_handlers() {
  if (g_wake_pipe[0] < 0 && ::pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    g_wake_pipe[0] = g_wake_pipe[1] = -1;

  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: a blocked read() returns EINTR
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
}

bool stop_requested() { return g_stop_signal.load() != 0; }
int stop_signal() { return g_stop_signal.load(); }
void request_stop() { on_stop_signal(SIGTERM); }

int stop_count() { return g_stop_count.load(); }

namespace {

// Blocks until the wake pipe is readable or `deadline` passes, in rounds
// short enough for poll's int milliseconds (a linger may be days long).
void wait_for_wake(std::chrono::steady_clock::time_point deadline,
                   const auto &done) {
  using namespace std::chrono;
  while (!done()) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left <= milliseconds(0) || g_wake_pipe[0] < 0)
      return;
    pollfd fd = {g_wake_pipe[0], POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(std::min<milliseconds::rep>(left.count(), 3'600'000)));
    if (!done() && (fd.revents & POLLIN)) {
      // A byte from a signal already counted: empty the pipe so that the
      // next poll waits for a new one.
      char bytes[64];
      while (::read(g_wake_pipe[0], bytes, sizeof bytes) > 0) {
      }
    }
  }
}

std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  auto now = std::chrono::steady_clock::now();
  if (timeout <= std::chrono::milliseconds(0))
    return now;
  // Compared in milliseconds: milliseconds::max() (a wait without end)
  // overflows when converted to the clock's nanoseconds.
  auto room_left = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::time_point::max() - now);
  if (timeout >= room_left)
    return std::chrono::steady_clock::time_point::max();
  return now + timeout;
}

} // namespace

bool wait_for_stop(std::chrono::milliseconds timeout) {
  // The byte stays in the pipe once a stop came: every later waiter must
  // wake at once too (done() is true before it reads anything).
  wait_for_wake(deadline_after(timeout), [] { return stop_requested(); });
  return stop_requested();
}

bool wait_for_another_stop(int seen, std::chrono::milliseconds timeout) {
  wait_for_wake(deadline_after(timeout), [seen] { return stop_count() > seen; });
  return stop_count() > seen;
}

} // namespace hlswarm
