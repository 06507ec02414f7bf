#include "hlswarm/base/error.hpp"

#include <cstring>

namespace hlswarm {

// Our messages are lower case throughout, and strerror ("No such
// file..."), std::error_code and FFmpeg ("Invalid data...") texts are not.
std::string lower_first(std::string_view text) {
  std::string result(text);
  if (result.size() > 1 && result[0] >= 'A' && result[0] <= 'Z' &&
      result[1] >= 'a' && result[1] <= 'z')
    result[0] = static_cast<char>(result[0] - 'A' + 'a');
  return result;
}

namespace {

std::string join(std::string_view subject, std::string_view reason) {
  std::string message(subject);
  if (!message.empty())
    message += ": ";
  message += reason;
  return message;
}

} // namespace

Error::Error(Exit code, std::string_view subject, std::string_view reason)
    : std::runtime_error(join(subject, lower_first(reason))), code_(code),
      subject_(subject), reason_(lower_first(reason)) {}

Error::Error(Exit code, std::string_view reason) : Error(code, "", reason) {}

Error system_error(Exit code, std::string_view subject, int errno_value) {
  return Error(code, subject, std::strerror(errno_value));
}

} // namespace hlswarm
