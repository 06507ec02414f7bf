// Cutting media into HLS segments: a file or a live stream is demuxed and
// remuxed with stream copy (never transcoded) into files that each start on
// a keyframe and play on their own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/base/jsonl.hpp"

namespace hlswarm {

/// The container of the segment files.
enum class SegmentFormat {
  mpegts, ///< MPEG-TS, each file self-contained (PAT/PMT and codec headers)
  fmp4,   ///< fragmented MP4: one init segment plus one fragment per file
};

/// "mpegts" or "fmp4", as in the JSON lines and on the command line.
std::string_view format_name(SegmentFormat format);
/// The format named "mpegts" or "fmp4"; Error(usage) for anything else.
SegmentFormat parse_segment_format(std::string_view name);

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

/// The default --name for a format: "seg%05d.ts" or "seg%05d.m4s".
std::string default_name_pattern(SegmentFormat format);

/// Checks a --name pattern: a file name (no '/') with exactly one integer
/// conversion such as %d or %05d; "%%" is a literal '%'. Throws
/// Error(usage) saying what is wrong.
void check_name_pattern(std::string_view pattern);

/// The file name for segment `seq` (a checked pattern; printf-like, but
/// never handed to printf).
std::string segment_file_name(std::string_view pattern, std::int64_t seq);

/// A finished segment: complete on disk under its final name.
struct Segment {
  std::int64_t seq = 0;
  std::filesystem::path path; ///< absolute
  double start = 0;           ///< seconds on the input's timeline, seq 0 at 0
  double duration = 0;        ///< seconds
  std::uint64_t bytes = 0;
  SegmentFormat format = SegmentFormat::mpegts;
  std::optional<std::filesystem::path> init; ///< fmp4: the init segment
};

/// How a split ended.
struct SplitResult {
  std::int64_t segments = 0; ///< segments finished (and reported)
  bool interrupted = false;  ///< stopped by SIGINT/SIGTERM, not by the input
};

/// Cuts `options.input` into segments in `options.out_dir`. Each segment is
/// written under a temporary name and renamed into place; then the playlist
/// (if any) is rewritten and `on_segment` is called, as soon as the keyframe
/// that closes the segment has been read. At the end of input, or when a
/// stop is requested (SIGINT/SIGTERM), the segment being written is closed
/// and reported too. Throws Error: data (not media, no audio or video
/// stream, truncated or bad data), no_input (missing file), cant_create or
/// io (output); an unfinished segment is removed first.
SplitResult split(const SplitOptions &options,
                  const std::function<void(const Segment &)> &on_segment);

/// The JSON line of a finished segment (format version 1):
/// {"v":1,"seq":0,"path":"...","start":0.0,"duration":8.0,"bytes":123,
///  "format":"mpegts"}, plus "init" for fmp4.
Json segment_line(const Segment &segment);

/// The last JSON line: {"v":1,"end":true,"segments":N}.
Json end_line(const SplitResult &result);

} // namespace hlswarm
