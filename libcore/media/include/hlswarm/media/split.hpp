// seg-split's work: a media file or a live stream is demuxed and remuxed
// with stream copy (never transcoded) into segments (segment.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/media/segment.hpp"

namespace hlswarm {

/// The highest --start-seq: far beyond any stream's segment count, and far
/// from where segment numbers could overflow.
inline constexpr std::int64_t max_start_seq = 1'000'000'000'000;

/// The longest --duration, in seconds (a day; HLS players want seconds).
inline constexpr double max_segment_duration = 86400;

/// Parses a --duration value: seconds, a number above 0 and at most
/// max_segment_duration. Throws Error(usage) saying what is wrong, e.g.
/// "--duration: must be a positive number of seconds, got 0".
double parse_segment_duration(std::string_view text);

/// Parses a --start-seq value: a whole number from 0 to max_start_seq.
/// Throws Error(usage) saying what is wrong (e.g. "out of range").
std::int64_t parse_start_seq(std::string_view text);

/// How to cut.
struct SplitOptions {
  std::string input = "-";                    ///< a media file, or "-" for stdin
  std::filesystem::path out_dir = ".";        ///< created if missing
  double duration = 8.0;                      ///< target segment length, seconds
  std::string name_pattern;                   ///< "" = default for the format
  std::string init_name = "init.mp4";         ///< fmp4 only
  SegmentFormat format = SegmentFormat::mpegts;
  std::optional<std::filesystem::path> playlist; ///< HLS media playlist to keep
  std::int64_t start_seq = 0;                 ///< number of the first segment
};

/// How a split ended.
struct SplitResult {
  std::int64_t segments = 0; ///< segments finished (and reported)
  bool interrupted = false;  ///< stopped by SIGINT/SIGTERM, not by the input
};

/// Cuts `options.input` into segments in `options.out_dir`. The streams'
/// packets are put in time order first, so that each segment holds the
/// same span of every stream: from its keyframe to the next segment's.
/// Each segment is written under a temporary name and renamed into place;
/// then the playlist (if any) is rewritten and `on_segment` is called, as
/// soon as the keyframe that closes the segment, and every other stream up
/// to its time, have been read. At the end of input, or when a stop is
/// requested (SIGINT/SIGTERM), the segment being written is closed and
/// reported too. Before any input is read, throws Error(usage) when two
/// outputs, or an output and the input, are one file, and
/// Error(cant_create) when the playlist's path holds anything but an
/// earlier seg-split playlist of the same --out folder. Throws Error: data
/// (not media, no audio or video stream, truncated or bad data, an MP4
/// with its index at the end on a pipe), no_input (missing file),
/// cant_create or io (output); an unfinished segment is removed first.
SplitResult split(const SplitOptions &options,
                  const std::function<void(const Segment &)> &on_segment);

/// The last JSON line: {"v":1,"end":true,"segments":N}.
Json end_line(const SplitResult &result);

} // namespace hlswarm
