#include "ffmpeg_log.hpp"

#include <cstdarg>
#include <mutex>
#include <utility>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include "hlswarm/base/error.hpp"

namespace hlswarm {
namespace {

std::mutex &log_mutex() {
  static std::mutex m; // FFmpeg logs from its decoder threads too
  return m;
}

std::string &last_error() {
  static std::string text;
  return text;
}

void on_log(void *avcl, int level, const char *format, va_list args) {
  if (level > AV_LOG_ERROR)
    return;
  char line[1024];
  int print_prefix = 0; // no "[mov,mp4 @ 0x...]" in front
  av_log_format_line2(avcl, level, format, args, line, sizeof line,
                      &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  if (text.empty())
    return;
  std::lock_guard lock(log_mutex());
  last_error() = std::move(text);
}

// The text of an AVERROR code, lower case like our messages.
std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, text, sizeof text) < 0)
    return "unknown ffmpeg error " + std::to_string(averror);
  return lower_first(text);
}

} // namespace

FfmpegLogCapture::FfmpegLogCapture() {
  take_last_error();
  av_log_set_callback(&on_log);
}

FfmpegLogCapture::~FfmpegLogCapture() {
  av_log_set_callback(&av_log_default_callback);
}

std::string FfmpegLogCapture::take_last_error() {
  std::lock_guard lock(log_mutex());
  return std::exchange(last_error(), {});
}

std::string ffmpeg_failure(int averror, std::string_view what) {
  std::string detail = FfmpegLogCapture::take_last_error();
  if (detail.empty())
    detail = av_error_text(averror);
  if (what.empty())
    return detail;
  return std::string(what) + " (" + detail + ")";
}

} // namespace hlswarm
