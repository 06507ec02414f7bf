// Importing a folder of prepared videos (peer-seed --dir): each video file
// not imported before becomes a VOD room of the creator, whole or not at
// all. Each is cut in process (split.hpp), its segments chained and moved
// into the store (creator_chain.hpp), its room pinned and ended, and the
// import remembered in the store's imports table, so a second run imports
// nothing and a changed file becomes a new room.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/media/segment.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {

/// What to import, and how to cut it.
struct ImportOptions {
  std::vector<std::filesystem::path> dirs; ///< folders of video files
  std::filesystem::path store;
  Identity identity;                  ///< the creator of the rooms
  double segment_seconds = 8;         ///< seg-split's default duration
  SegmentFormat format = SegmentFormat::mpegts;
};

/// One video imported.
struct ImportedVideo {
  std::filesystem::path path; ///< absolute
  Room room;
  RoomId room_id = 0;
  std::int64_t segments = 0;
  std::uint64_t bytes = 0; ///< of its segments (and init segment)
  double duration = 0;     ///< seconds of media
  /// The URI of the room an earlier version of this file became (the file
  /// changed since); that room stays.
  std::optional<std::string> replaces;
  double seconds = 0; ///< wall time the import took
};

/// What import_videos tells as it goes; each may be empty.
struct ImportEvents {
  /// A video became a room (its import is committed).
  std::function<void(const ImportedVideo &)> imported;
  /// A file was not imported (unreadable, not a video); the others still
  /// are. Its import, if begun, was rolled back.
  std::function<void(const std::filesystem::path &, const Error &)> skipped;
  /// How far the import of a file is, 0 to 1 (by bytes of the file cut),
  /// after each segment.
  std::function<void(const std::filesystem::path &, double fraction)> progress;
};

/// Whether `file_name` is one import_videos passes over: hidden files
/// (starting with '.') and partial downloads (*.part, *.tmp, *.crdownload).
bool ignored_import_name(const std::string &file_name);

/// The room name a video file gets: its name without the extension, cut to
/// 64 bytes on a UTF-8 character boundary; control characters and invalid
/// UTF-8 become '_', spaces at either end are dropped ("video" if nothing
/// is left). import_videos adds " (2)", " (3)"... when the creator has a
/// room of that name already.
std::string room_name_for_file(const std::filesystem::path &file);

/// Imports every video file in `options.dirs` (not their subfolders; in
/// the order of their names, folder by folder) that this store has not
/// imported for this creator: a file whose path, size and mtime are those
/// of a done import is passed over, and so is one whose content (SHA-256)
/// is the same; a file whose content changed becomes a new room, which
/// `replaces` the old one. First rolls back every import a crash or a stop
/// cut short (its room, records, segments, chain files and work folder).
/// SIGINT/SIGTERM stop it between two videos: the video being cut is
/// rolled back (within a segment's time). Returns the number imported.
/// Errors: temp_fail if another import runs on this store, no_input for a
/// missing folder, and store and disk errors (cant_create, io) that would
/// fail every other video too; a video's own faults go to `skipped`.
std::size_t import_videos(const ImportOptions &options,
                          const ImportEvents &events);

/// Rolls back the imports that a crash or a stop cut short, if no import
/// runs on the store now; returns how many. import_videos does it first.
std::size_t roll_back_unfinished_imports(const std::filesystem::path &store);

/// The JSON line of an imported video (format version 1):
/// {"v":1,"path":..,"room":URI,"segments":N,"bytes":N,"duration":S,
///  "replaces":URI or null}
std::string imported_json_line(const ImportedVideo &video);

} // namespace hlswarm
