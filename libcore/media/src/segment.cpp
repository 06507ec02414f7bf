// Naming and reporting of segments; the cutting itself is in segmenter.cpp.
#include "hlswarm/media/segment.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {
namespace {

/// One parsed "%[0][width]d" in a name pattern.
struct Conversion {
  std::size_t begin = 0; ///< index of '%'
  std::size_t end = 0;   ///< one past 'd'
  bool zero_pad = false;
  int width = 0;
};

/// Finds the single conversion; throws Error(usage) unless there is exactly
/// one and every other '%' is "%%".
Conversion parse_pattern(std::string_view pattern) {
  auto bad = [&](std::string_view why) {
    return Error(Exit::usage, "--name",
                 fmt::format("'{}': {} (try seg%05d.ts)", pattern, why));
  };
  if (pattern.empty())
    throw bad("empty name");
  if (pattern.find('/') != std::string_view::npos)
    throw bad("a file name, not a path (use --out for the folder)");
  std::optional<Conversion> found;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%')
      continue;
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      ++i;
      continue;
    }
    Conversion c;
    c.begin = i;
    std::size_t j = i + 1;
    if (j < pattern.size() && pattern[j] == '0') {
      c.zero_pad = true;
      ++j;
    }
    while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9') {
      c.width = c.width * 10 + (pattern[j] - '0');
      if (c.width > 20)
        throw bad("number width above 20");
      ++j;
    }
    if (j >= pattern.size() || pattern[j] != 'd')
      throw bad("only %d, %05d and the like, and %%, may follow '%'");
    c.end = j + 1;
    if (found)
      throw bad("more than one %d");
    found = c;
    i = j;
  }
  if (!found)
    throw bad("no %d for the segment number");
  return *found;
}

std::string unescape_percent(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '%')
      ++i;
  }
  return out;
}

} // namespace

std::string_view format_name(SegmentFormat format) {
  return format == SegmentFormat::fmp4 ? "fmp4" : "mpegts";
}

SegmentFormat parse_segment_format(std::string_view name) {
  if (name == "mpegts")
    return SegmentFormat::mpegts;
  if (name == "fmp4")
    return SegmentFormat::fmp4;
  throw Error(Exit::usage, "--format",
              fmt::format("'{}': not mpegts or fmp4", name));
}

double parse_segment_duration(std::string_view text) {
  auto bad = [&] {
    return Error(Exit::usage, "--duration",
                 fmt::format("must be a positive number of seconds, got '{}'",
                             text));
  };
  std::string copy(text);
  if (copy.empty() || copy.find_first_not_of("0123456789.") != std::string::npos)
    throw bad();
  char *end = nullptr;
  errno = 0;
  double seconds = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno != 0 ||
      !std::isfinite(seconds) || !(seconds > 0))
    throw bad();
  if (seconds > max_segment_duration)
    throw Error(Exit::usage, "--duration",
                fmt::format("{}: out of range (at most {} seconds)", text,
                            max_segment_duration));
  return seconds;
}

std::int64_t parse_start_seq(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw Error(Exit::usage, "--start-seq",
                fmt::format("must be a whole number from 0 to {}, got '{}'",
                            max_start_seq, text));
  std::size_t digits = text.find_first_not_of('0');
  std::string_view significant =
      digits == std::string_view::npos ? "0" : text.substr(digits);
  std::int64_t value = 0;
  bool in_range = significant.size() <= 13;
  if (in_range) {
    for (char c : significant)
      value = value * 10 + (c - '0');
    in_range = value <= max_start_seq;
  }
  if (!in_range)
    throw Error(Exit::usage, "--start-seq",
                fmt::format("{}: out of range (0 to {})", text,
                            max_start_seq));
  return value;
}

std::string default_name_pattern(SegmentFormat format) {
  return format == SegmentFormat::fmp4 ? "seg%05d.m4s" : "seg%05d.ts";
}

void check_name_pattern(std::string_view pattern) {
  parse_pattern(pattern);
  std::string sample = segment_file_name(pattern, 0);
  if (sample == "." || sample == "..")
    throw Error(Exit::usage, "--name",
                fmt::format("'{}': not a file name", pattern));
}

std::string segment_file_name(std::string_view pattern, std::int64_t seq) {
  Conversion c = parse_pattern(pattern);
  std::string number =
      c.zero_pad ? fmt::format("{:0{}d}", seq, c.width)
                 : fmt::format("{:{}d}", seq, c.width);
  return unescape_percent(pattern.substr(0, c.begin)) + number +
         unescape_percent(pattern.substr(c.end));
}

Json segment_line(const Segment &segment) {
  Json line = {
      {"v", 1},
      {"seq", segment.seq},
      {"path", segment.path.string()},
      {"start", segment.start},
      {"duration", segment.duration},
      {"bytes", segment.bytes},
      {"format", std::string(format_name(segment.format))},
  };
  if (segment.init)
    line["init"] = segment.init->string();
  return line;
}

Json end_line(const SplitResult &result) {
  return {{"v", 1}, {"end", true}, {"segments", result.segments}};
}

} // namespace hlswarm
