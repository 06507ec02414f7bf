// SIGINT/SIGTERM become a stop request that long-running work polls, so that
// every tool can finish the record or file at hand, flush, and exit cleanly.
#pragma once

#include <chrono>

namespace hlswarm {

/// Installs the handlers (without SA_RESTART, so blocking reads return EINTR
/// and can notice the request) and ignores SIGPIPE, so that a closed pipe is
/// an EPIPE error we report rather than a silent death. Called by Tool.
void install_stop_handlers();

/// True once SIGINT or SIGTERM arrived (or request_stop() was called).
bool stop_requested();

/// The signal that asked us to stop, 0 if none (request_stop() gives SIGTERM).
int stop_signal();

/// Asks for a stop from inside the program (tests, --linger timeouts).
void request_stop();

/// How many SIGINT/SIGTERM (and request_stop() calls) arrived so far.
int stop_count();

/// Waits until a stop is requested or `timeout` passes (any length);
/// returns stop_requested(). Never a busy wait: it blocks on a self-pipe.
bool wait_for_stop(std::chrono::milliseconds timeout);

/// Waits until more than `seen` stop signals arrived (stop_count() > seen)
/// or `timeout` passes; returns whether they did. For "a second Ctrl-C
/// stops at once" after a first one began a graceful end.
bool wait_for_another_stop(int seen, std::chrono::milliseconds timeout);

} // namespace hlswarm
