// Internal to libcore: FFmpeg's log, caught while libcore drives FFmpeg.
#pragma once

#include <string>
#include <string_view>

namespace hlswarm {

/// While one of these lives, FFmpeg's log lines are not printed (they would
/// not read as "tool: ..." diagnostics); the last error is kept so that our
/// own message can say what FFmpeg saw, e.g. "moov atom not found".
/// av_log_set_callback is process-wide, so the kept text is too.
class FfmpegLogCapture {
public:
  FfmpegLogCapture();
  ~FfmpegLogCapture();
  FfmpegLogCapture(const FfmpegLogCapture &) = delete;
  FfmpegLogCapture &operator=(const FfmpegLogCapture &) = delete;

  /// The last error FFmpeg logged (lower case), and forgets it; "" if none.
  static std::string take_last_error();
};

/// "what (detail)" where detail is FFmpeg's last logged error, else the
/// text of `averror`; just the detail when `what` is empty.
std::string ffmpeg_failure(int averror, std::string_view what);

} // namespace hlswarm
