#include "hlswarm/error.hpp"

#include <cstring>

extern "C" {
#include <libavutil/error.h>
}

namespace hlswarm {

static std::string join(std::string_view subject, std::string_view reason) {
  std::string message(subject);
  if (!message.empty())
    message += ": ";
  message += reason;
  return message;
}

Error::Error(Exit code, std::string_view subject, std::string_view reason)
    : std::runtime_error(join(subject, reason)), code_(code), subject_(subject),
      reason_(reason) {}

Error::Error(Exit code, std::string_view reason) : Error(code, "", reason) {}

Error system_error(Exit code, std::string_view subject, int errno_value) {
  return Error(code, subject, std::strerror(errno_value));
}

std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, text, sizeof text) < 0)
    return "unknown ffmpeg error " + std::to_string(averror);
  // FFmpeg's texts start upper case ("Invalid data found..."); our messages
  // are lower case throughout.
  if (text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

} // namespace hlswarm
