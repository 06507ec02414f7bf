#include "hlswarm/media/seek.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

SeekSpan seek_span(const std::vector<SegmentTime> &segments,
                   std::optional<double> from, std::optional<double> to) {
  if (segments.empty()) {
    if (from || to)
      throw Error(Exit::usage, from ? "--from" : "--to",
                  "the video has no segments (it is 0:00 long)");
    return {0, -1};
  }
  // Times count from the first segment's start: a viewer's 0:30 is half a
  // minute into what it can watch, whatever the creator's clock said.
  const double origin = segments.front().start_s;
  const double length =
      segments.back().start_s + segments.back().duration_s - origin;
  const double start = std::max(0.0, from.value_or(0.0));
  if (start >= length)
    throw Error(Exit::usage, "--from",
                fmt::format("{} is past the end of the video ({} long)",
                            format_media_time(start),
                            format_media_time(length)));
  if (to && *to <= start)
    throw Error(Exit::usage, "--to",
                fmt::format("{} is not after the start of the span ({})",
                            format_media_time(*to), format_media_time(start)));

  auto first = std::find_if(segments.begin(), segments.end(),
                            [&](const SegmentTime &segment) {
                              return segment.start_s + segment.duration_s -
                                         origin > start;
                            });
  auto last = std::prev(segments.end());
  if (to && *to < length)
    last = std::prev(std::find_if(first, segments.end(),
                                  [&](const SegmentTime &segment) {
                                    return segment.start_s - origin >= *to;
                                  }));
  if (last < first)
    throw Error(Exit::usage, "--to",
                fmt::format("{} to {} holds no media (the video has a gap "
                            "there)",
                            format_media_time(start), format_media_time(*to)));
  return {first->seq, last->seq};
}

namespace {

/// A whole number of digits only ("07", "90"), nullopt otherwise.
std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || text[0] < '0' || text[0] > '9' || ec != std::errc() ||
      ptr != end)
    return std::nullopt;
  return value;
}

} // namespace

double parse_media_time(std::string_view text) {
  auto bad = [&] {
    return Error(Exit::usage,
                 fmt::format("'{}' is not a time (seconds as 90 or 90.5, or "
                             "[h:]m:s as 1:30 or 1:02:03.5)",
                             text));
  };
  // The seconds may have a fraction: split it off first.
  std::string_view whole = text;
  double fraction = 0;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    std::string_view digits = text.substr(dot + 1);
    if (digits.empty() || !whole_number(digits) || digits.size() > 9)
      throw bad();
    fraction = static_cast<double>(*whole_number(digits)) /
               std::pow(10.0, static_cast<double>(digits.size()));
    whole = text.substr(0, dot);
  }
  double seconds = 0;
  int fields = 0;
  while (true) {
    auto colon = whole.find(':');
    auto number = whole_number(whole.substr(0, colon));
    ++fields;
    // After a colon, minutes and seconds stay below 60 ("1:75" is a typo).
    if (!number || fields > 3 || (fields > 1 && *number >= 60) ||
        *number > 1'000'000'000)
      throw bad();
    seconds = seconds * 60 + static_cast<double>(*number);
    if (colon == std::string_view::npos)
      break;
    whole.remove_prefix(colon + 1);
  }
  return seconds + fraction;
}

std::string format_media_time(double seconds) {
  const long long tenths = std::llround(std::max(0.0, seconds) * 10);
  const long long whole = tenths / 10;
  std::string text =
      whole >= 3600 ? fmt::format("{}:{:02}:{:02}", whole / 3600,
                                  whole / 60 % 60, whole % 60)
                    : fmt::format("{}:{:02}", whole / 60, whole % 60);
  if (tenths % 10 != 0)
    text += fmt::format(".{}", tenths % 10);
  return text;
}

} // namespace hlswarm
