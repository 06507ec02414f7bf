#include "hlswarm/base/signals.hpp"

#include <chrono>
#include <cstdlib>
#include <future>

#include <gtest/gtest.h>

using namespace hlswarm;
using namespace std::chrono_literals;

// Each test runs in a child process (EXPECT_EXIT): a stop request is
// process-wide and would reach every later test of this binary.

TEST(WaitForAnotherStop, WithoutEndWaitsUntilASignal) {
  EXPECT_EXIT(
      {
        install_stop_handlers();
        // milliseconds::max() is "until interrupted" (room-announce with no
        // --linger); it once overflowed into a deadline in the past.
        auto waiting = std::async(std::launch::async, [] {
          return wait_for_another_stop(stop_count(), std::chrono::milliseconds::max());
        });
        if (waiting.wait_for(300ms) != std::future_status::timeout)
          std::exit(1); // returned without a signal
        request_stop();
        if (waiting.wait_for(10s) != std::future_status::ready || !waiting.get())
          std::exit(2);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(WaitForAnotherStop, CountsOnlyLaterSignals) {
  EXPECT_EXIT(
      {
        install_stop_handlers();
        request_stop();
        int seen = stop_count();
        if (wait_for_another_stop(seen, 50ms))
          std::exit(1); // the first stop counted again
        request_stop();
        std::exit(wait_for_another_stop(seen, 10s) ? 0 : 2);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(WaitForStop, ReturnsAtTheTimeoutWithoutASignal) {
  EXPECT_EXIT(
      {
        install_stop_handlers();
        std::exit(wait_for_stop(20ms) ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}
