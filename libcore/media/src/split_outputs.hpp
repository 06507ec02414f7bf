// Internal to libcore: the files one seg-split run writes, checked before
// any input is read - names that would collide, an earlier run's files in
// the way, a playlist that could not be written or is not ours to replace.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/split.hpp"

namespace hlswarm {

/// Where a run's files go, as absolute paths.
struct SplitOutputs {
  std::filesystem::path out_dir;
  std::string pattern;              ///< segment file names
  std::filesystem::path init;       ///< the fMP4 init segment
  std::optional<std::filesystem::path> playlist;

  /// The paths `options` names. Throws Error(usage) when two of them, or
  /// one of them and the input file, are the same file: the playlist and
  /// the init segment or a segment, the init segment and a segment.
  static SplitOutputs plan(const SplitOptions &options);

  /// The file of segment `seq`.
  std::filesystem::path segment(std::int64_t seq) const;
};

/// Refuses to start where the first segment's file already exists (an
/// earlier run's, which a chain may point to), naming the --start-seq that
/// continues; removes temporary files that killed runs left behind.
void check_out_dir(const SplitOutputs &outputs, std::int64_t start_seq);

/// The playlist to keep up to date, checked writable before any input is
/// read: the earlier run's continued when it ends right before --start-seq
/// (with the same init segment), else a new one. A file already there is
/// replaced only when it is an earlier seg-split playlist of segments in
/// the same --out folder: anything else is Error(cant_create), untouched.
std::optional<MediaPlaylist> prepare_playlist(const SplitOutputs &outputs,
                                              const SplitOptions &options);

} // namespace hlswarm
