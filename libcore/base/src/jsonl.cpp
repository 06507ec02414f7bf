#include "hlswarm/base/jsonl.hpp"

#include <cerrno>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

void write_raw_line(std::string_view line, std::FILE *out, Flush flush) {
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), out) != line.size() ||
      std::fputc('\n', out) == EOF ||
      (flush == Flush::line && std::fflush(out) != 0)) {
    int saved = errno ? errno : EIO;
    throw system_error(Exit::io, out == stdout ? "stdout" : "output", saved);
  }
}

void write_json_line(const Json &object, std::FILE *out, Flush flush) {
  // Replace invalid UTF-8 rather than throw: a file name from disk is not
  // guaranteed to be valid UTF-8 and must not abort a broadcast.
  write_raw_line(object.dump(-1, ' ', false, Json::error_handler_t::replace),
                 out, flush);
}

std::string json_quoted(std::string_view text) {
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

JsonLineReader::JsonLineReader(std::istream &in, std::string source)
    : in_(in), source_(std::move(source)) {}

std::optional<Json> JsonLineReader::next() {
  while (std::getline(in_, raw_line_)) {
    ++line_number_;
    if (raw_line_.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    Json object = Json::parse(raw_line_, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object())
      throw Error(Exit::data, source_ + ":" + std::to_string(line_number_),
                  "not a JSON object");
    return object;
  }
  if (in_.bad())
    throw Error(Exit::io, source_, "read failed");
  return std::nullopt;
}

} // namespace hlswarm
