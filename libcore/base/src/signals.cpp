#include "hlswarm/base/signals.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace hlswarm {
namespace {

std::atomic<int> g_stop_signal{0};
int g_wake_pipe[2] = {-1, -1};

void on_stop_signal(int signal_number) {
  int expected = 0;
  g_stop_signal.compare_exchange_strong(expected, signal_number);
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

bool wait_for_stop(std::chrono::milliseconds timeout) {
  if (stop_requested() || g_wake_pipe[0] < 0)
    return stop_requested();
  pollfd fd = {g_wake_pipe[0], POLLIN, 0};
  int ms = static_cast<int>(timeout.count());
  ::poll(&fd, 1, ms < 0 ? 0 : ms);
  // Leave the byte in the pipe: every later waiter must wake at once too.
  return stop_requested();
}

} // namespace hlswarm
