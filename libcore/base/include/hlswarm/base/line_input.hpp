// Lines from a pipe for a pipeline stage that must not lose the tail of its
// input: after SIGINT/SIGTERM it keeps reading until the upstream program
// closes the pipe, for a bounded time, so the last segment and the end line
// still flow through.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace hlswarm {

class LineInput {
public:
  /// Reads `fd` (not owned); `source` names it in messages ("stdin").
  /// `drain` bounds how long reading goes on after a stop request.
  LineInput(int fd, std::string source,
            std::chrono::milliseconds drain = std::chrono::seconds(5));

  /// The next line without its newline (a last line without one counts),
  /// or nullopt at end of input, or when the drain time after a stop
  /// request has passed. A line over 64 KiB is Error(data); a read error
  /// Error(io).
  std::optional<std::string> next();

  /// True if next() gave up because the drain time ran out.
  bool drain_expired() const { return drain_expired_; }
  std::size_t line_number() const { return line_number_; }
  const std::string &source() const { return source_; }

private:
  bool fill();

  int fd_;
  std::string source_;
  std::chrono::milliseconds drain_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::string buffer_;
  bool eof_ = false;
  bool drain_expired_ = false;
  std::size_t line_number_ = 0;
};

} // namespace hlswarm
