// The inside of hlswarm::Store, shared by the files that implement it:
// store.cpp (opening), store_rooms.cpp, store_segments.cpp,
// store_removals.cpp, store_accounting.cpp, store_eviction.cpp and
// store_check.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/store/store.hpp"
#include "sqlite.hpp"

namespace hlswarm {

struct Store::Impl {
  std::filesystem::path folder;
  StoreOptions options;
  std::unique_ptr<sqlite::Database> db;

  // Accounting not yet written, summed per segment and per creator.
  struct SegmentUsage {
    std::int64_t requests = 0;
    std::uint64_t bytes_served = 0;
    UnixSeconds last = 0;
  };
  struct CreatorUsage {
    std::int64_t times_watched = 0;
    UnixSeconds last = 0;
  };
  std::unordered_map<std::string, SegmentUsage> segment_usage;
  std::unordered_map<std::string, CreatorUsage> creator_usage;
  std::size_t pending_events = 0;
  std::chrono::steady_clock::time_point first_pending{};

  UnixSeconds now() const;
  std::filesystem::path absolute(const std::string &relative_file) const {
    return folder / relative_file;
  }
  void require_writable() const;
  void migrate();
  void note_event();
  void flush_usage();

  /// In the caller's write transaction: adds room `name` of `creator`
  /// (and the creator) unless it exists. Returns its id and whether it
  /// was added. Error(data) for a bad key or an empty name.
  std::pair<RoomId, bool> add_room_row(std::string_view creator,
                                       std::string_view name, RoomMode mode);

  /// Records, in the caller's write transaction, the files of the segment
  /// rows it deleted: they are unlinked once it has committed (rule 2 of
  /// hlswarm(7)). Returns the id of the pending removal.
  std::int64_t note_removals(const std::vector<std::string> &files);
  /// Whether a segment row owns `file` (relative to the store): its name is
  /// exactly where that row keeps its file. A pending removal whose name a
  /// row owns again was added back, and its file must stay.
  bool file_has_row(const std::string &file);
  /// Unlinks the files of pending removal `id` that no row owns, under the
  /// write lock so that no add of the same file can be halfway, and drops
  /// it. Throws Error(io) if a file could not be unlinked (it stays
  /// pending).
  void finish_removals(std::int64_t id);
  /// Finishes every pending removal (after a crash). Returns how many
  /// files they listed.
  std::int64_t finish_all_removals();
  /// Every file listed in a pending removal.
  std::vector<std::string> pending_removal_files();
};

/// The SQL condition that finds a segment by its infohash (a 32-byte blob
/// bound as ?1) through the index on its first 8 bytes.
#define HLSWARM_SEGMENT_IS(parameter)                                          \
  "substr(infohash, 1, 8) = substr(" parameter ", 1, 8) AND infohash = " parameter

/// The SQL of each migration; migrations[v] takes the schema from version v
/// to v + 1 (version 0 is the empty database).
extern const char *const store_migrations[Store::schema_version];

/// 64 hex digits, folded to lower case; Error(data) naming `what` if not.
std::string hex_key(std::string_view text, std::string_view what);

/// 64 hex digits as the 32 bytes they spell (the infohash column); ""
/// for anything else. The way back is base's to_hex.
std::string infohash_bytes(std::string_view hex);

/// The pid in a temporary name made by temporary_name_for (".x.tmp-<pid>"
/// with an optional "-<n>" suffix), 0 if there is none.
long temporary_owner_pid(const std::string &file_name);

} // namespace hlswarm
