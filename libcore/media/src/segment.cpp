// Naming and reporting of segments; the cutting itself is in split.cpp.
#include "hlswarm/media/segment.hpp"

#include <algorithm>
#include <charconv>
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

bool is_segment_file_name(std::string_view pattern, std::string_view name) {
  Conversion c = parse_pattern(pattern);
  std::string prefix = unescape_percent(pattern.substr(0, c.begin));
  std::string suffix = unescape_percent(pattern.substr(c.end));
  if (name.size() <= prefix.size() + suffix.size() ||
      !name.starts_with(prefix) || !name.ends_with(suffix))
    return false;
  std::string_view number = name.substr(
      prefix.size(), name.size() - prefix.size() - suffix.size());
  number.remove_prefix(std::min(number.find_first_not_of(' '), number.size()));
  std::int64_t seq = 0;
  auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), seq);
  // Written back, the number must give the very same name (padding, width).
  return ec == std::errc() && end == number.data() + number.size() &&
         seq >= 0 && segment_file_name(pattern, seq) == name;
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

} // namespace hlswarm
