// Seeking in a prepared video (or an ended broadcast): which segments hold
// a span of its time, and the times a viewer types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hlswarm {

/// Where one media segment lies on the video's timeline (from its record's
/// start_us and duration_us; init segments are not on the timeline).
struct SegmentTime {
  std::int64_t seq;
  double start_s;
  double duration_s;
};

/// The segments to fetch, first_seq to last_seq inclusive.
struct SeekSpan {
  std::int64_t first_seq;
  std::int64_t last_seq;
};

/// The seqs to fetch for [from, to) seconds of the video, counted from the
/// start of its first segment: from the segment holding `from` (the next
/// one when `from` falls in a gap) to the one holding the last instant
/// before `to`, inclusive; to the last segment without `to`, or when `to`
/// lies past the end. Read-ahead while playing is the fetcher's business,
/// not part of the span. `segments` are in seq order, each starting where
/// the one before ended or later. Throws Error(usage) naming the option
/// (--from, --to) and the video's length when `from` is at or past the end,
/// `to` is not after `from`, or either is given for a video without
/// segments. Without either, a video without segments is an empty span
/// (last_seq < first_seq).
SeekSpan seek_span(const std::vector<SegmentTime> &segments,
                   std::optional<double> from, std::optional<double> to);

/// "90", "90.5", "1:30", "1:02:03.5" -> seconds (minutes and seconds after
/// a colon below 60; a fraction only on the seconds). Throws Error(usage)
/// without a subject, the text quoted in the reason, for anything else.
double parse_media_time(std::string_view text);

/// Seconds as a viewer reads them: "0:45", "1:30", "1:02:03", with tenths
/// when there are any ("1:02:03.5").
std::string format_media_time(double seconds);

} // namespace hlswarm
