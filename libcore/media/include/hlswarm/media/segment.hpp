// What seg-split makes: HLS segment files, each starting on a keyframe and
// playing on its own; their container, their names and their JSON lines.
// The cutting itself is in split.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
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

/// The default --name for a format: "seg%05d.ts" or "seg%05d.m4s".
std::string default_name_pattern(SegmentFormat format);

/// Checks a --name pattern: a file name (no '/') with exactly one integer
/// conversion such as %d or %05d; "%%" is a literal '%'. Throws
/// Error(usage) saying what is wrong.
void check_name_pattern(std::string_view pattern);

/// The file name for segment `seq` (a checked pattern; printf-like, but
/// never handed to printf).
std::string segment_file_name(std::string_view pattern, std::int64_t seq);

/// True when `name` is segment_file_name(pattern, seq) for some seq >= 0,
/// i.e. some segment of a run could be written under that name.
bool is_segment_file_name(std::string_view pattern, std::string_view name);

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

/// The JSON line of a finished segment (format version 1):
/// {"v":1,"seq":0,"path":"...","start":0.0,"duration":8.0,"bytes":123,
///  "format":"mpegts"}, plus "init" for fmp4.
Json segment_line(const Segment &segment);

} // namespace hlswarm
