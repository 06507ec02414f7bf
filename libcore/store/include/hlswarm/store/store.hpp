// The store: one folder per peer holding segment files and one SQLite
// database (rooms, records, segments, creators, imports) that several programs share
// at once (a viewer, a background seeder, store-gc from cron).
//
// A segment file is stored once, by infohash (its content), whatever the
// number of rooms and seqs that use it: the file is the unit of storage and
// eviction, its uses (room, seq) a separate relation. A file is kept while
// any pinned room uses it, and evicted last while any followed creator's
// room does: the most protective use wins.
//
// Layout: store_layout.hpp (store.db is SQLite 3, WAL, user_version = 5).
//
// Crash safety: a segment file is written under a temporary name, fsynced,
// and renamed into place before its row commits, all renames happening while
// the database write lock is held; a removal commits the row's deletion
// first and unlinks the file after. So a crash can leave a file without a
// row (an orphan, found by check() and removed by repair), never a row
// without a file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/store/store_layout.hpp"

namespace hlswarm {

/// A room's row id in one store; not portable between stores.
using RoomId = std::int64_t;

/// Seconds since the Unix epoch: every time in the store uses this unit.
using UnixSeconds = std::int64_t;

enum class RoomMode { live, vod };

/// A room as the store knows it.
struct RoomInfo {
  RoomId id = 0;
  std::string creator; ///< creator's public key, 64 lowercase hex digits
  std::string name;
  RoomMode mode = RoomMode::live;
  bool ended = false;
  bool pinned = false; ///< the files it uses are never evicted
  UnixSeconds created = 0;
};

/// A creator as this user knows them.
struct CreatorInfo {
  std::string public_key; ///< 64 lowercase hex digits
  std::int64_t times_watched = 0;
  std::optional<UnixSeconds> last_watched;
  /// Files their rooms use are evicted after all others.
  bool followed = false;
};

/// A video file imported as a room (peer-seed --dir), or being imported.
struct VideoImport {
  std::int64_t id = 0;
  std::filesystem::path path; ///< absolute
  std::uint64_t size = 0;     ///< the file's size and mtime when it was hashed
  std::int64_t mtime_ns = 0;  ///< nanoseconds since the Unix epoch
  std::string sha256;         ///< of the file's content, 64 lowercase hex digits
  RoomId room = 0;            ///< the room it became
  /// False while importing: a row left so by a crash or a stop is an
  /// import to roll back (Store::remove_room) and do again.
  bool done = false;
  UnixSeconds started = 0;
};

/// An import to begin: the file and the room it becomes.
struct NewImport {
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string sha256;
  std::string creator; ///< the room's creator, 64 hex digits
  std::string name;    ///< the room's name; no room of the creator has it yet
};

/// One stored segment file, seen through one of its uses.
struct SegmentInfo {
  std::string infohash; ///< BitTorrent v2 infohash, 64 lowercase hex digits
  /// The use it was found or added through; find_segment(infohash) gives
  /// the first use (lowest room, then seq), 0 and 0 if no room uses it.
  /// Store::segment_uses lists them all.
  RoomId room = 0;
  std::int64_t seq = 0;
  std::filesystem::path file; ///< absolute path of the segment file
  std::uint64_t bytes = 0;
  UnixSeconds added = 0;
  std::optional<UnixSeconds> last_requested; ///< empty if never asked for
  std::int64_t requests_served = 0;
  std::uint64_t bytes_uploaded = 0;

  /// When the segment was last wanted: last request, else when added. Idle
  /// age and eviction order use this.
  UnixSeconds last_used() const { return last_requested.value_or(added); }
};

/// One (room, seq) that uses a segment file.
struct SegmentUse {
  RoomId room = 0;
  std::int64_t seq = 0;
  friend bool operator==(const SegmentUse &, const SegmentUse &) = default;
};

/// A segment to add: its identity and the file that holds its bytes.
struct NewSegment {
  std::string infohash; ///< 64 hex digits (upper case is folded)
  RoomId room = 0;
  std::int64_t seq = 0;
  std::filesystem::path source; ///< the finished segment file
  /// Take the source file in with a hard link and remove it after the row
  /// commits (no copy) when it is on the store's file system; copy otherwise.
  bool move = false;
};

/// An open segment file. The descriptor stays readable even if store-gc
/// removes the segment meanwhile (an unlinked open file lives on until it
/// is closed on Linux), so a peer that serves from it is never cut off.
class SegmentFile {
public:
  SegmentFile(int fd, std::uint64_t bytes) : fd_(fd), bytes_(bytes) {}
  ~SegmentFile();
  SegmentFile(SegmentFile &&other) noexcept;
  SegmentFile &operator=(SegmentFile &&other) noexcept;
  SegmentFile(const SegmentFile &) = delete;
  SegmentFile &operator=(const SegmentFile &) = delete;

  int fd() const { return fd_; }
  std::uint64_t bytes() const { return bytes_; }

private:
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
};

/// How a store is opened.
struct StoreOptions {
  /// Only read: no migration, no accounting, nothing written (--dry-run).
  bool read_only = false;
  /// Create the folder and the database when they do not exist yet;
  /// otherwise a missing store is Error(no_input).
  bool create = true;
  /// How long to wait for another program's write lock before giving up
  /// with Error(temp_fail).
  std::chrono::milliseconds busy_timeout{10'000};
  /// Accounting events are kept in memory and written in one transaction
  /// once this many have gathered...
  std::size_t flush_after_events = 4096;
  /// ...or this long after the first unwritten one, or on flush()/close.
  std::chrono::milliseconds flush_after{1000};
  /// The wall clock (Unix seconds); tests set their own.
  std::function<UnixSeconds()> clock;
};

/// What store-gc enforces.
struct GcPolicy {
  std::optional<std::uint64_t> max_size; ///< segment bytes to keep at most
  /// Segments not requested (or added) within this age go first. Segments
  /// used by a followed creator's room are exempt: only the size quota
  /// removes them.
  std::optional<std::chrono::seconds> max_idle;
  bool dry_run = false; ///< report only; the store must be opened read_only
  /// Fill in each Eviction's creator, room, seq and uses (a lookup per
  /// file; a report that only counts does without).
  bool describe = true;
};

/// Why a segment was evicted.
enum class EvictionReason { idle, size };

/// One evicted (or, in a dry run, evictable) segment file.
struct Eviction {
  std::string infohash;
  std::string creator; ///< of the first room using it ("" if none does)
  std::string room;    ///< the first room using it (lowest id, then seq)
  std::int64_t seq = 0;
  std::int64_t uses = 0; ///< (room, seq) pairs that used it
  std::uint64_t bytes = 0;
  UnixSeconds last_used = 0;
  bool followed = false;
  EvictionReason reason = EvictionReason::size;
};

/// Counts and bytes of one class of segments.
struct SegmentTally {
  std::int64_t count = 0;
  std::uint64_t bytes = 0;
};

/// The outcome of a gc run.
struct GcReport {
  SegmentTally removed;
  /// Everything left, pinned and followed included; each file once.
  SegmentTally kept;
  SegmentTally pinned;   ///< left and used by a pinned room
  /// Left, used by a followed creator's room and by no pinned room.
  SegmentTally followed;
  /// The size quota could not be met because pinned data alone exceeds it.
  bool over_quota = false;
  /// SIGINT or SIGTERM stopped the run between two batches.
  bool interrupted = false;
};

/// A fault that check() found.
enum class StoreFault {
  integrity,       ///< SQLite's integrity_check or foreign_key_check failed
  totals_mismatch, ///< the per-room or store totals disagree with the rows
  duplicate_row,   ///< an infohash stored in more than one row
  dangling_use,    ///< a (room, seq) use of a segment row that is gone
  unused_segment,  ///< a segment row (and file) that no room uses
  missing_file,    ///< a row whose file is missing
  size_mismatch,   ///< a file whose size differs from its row
  orphan_file,     ///< a file in segments/ without a row
  stale_temporary, ///< a temporary file left by a program that died
  corrupt_file,    ///< a file whose bytes do not hash to its infohash (deep)
};

/// One fault, as found (and, with repair, fixed).
struct StoreProblem {
  StoreFault fault = StoreFault::integrity;
  std::string subject; ///< file relative to the store, or the check's name
  std::string detail;
  bool pinned = false;   ///< a segment a pinned room uses (data lost)
  bool repaired = false;
};

/// The outcome of check().
struct CheckReport {
  std::vector<StoreProblem> problems;
  std::int64_t segments = 0;          ///< segment rows (files) checked
  std::int64_t files = 0;             ///< files seen under segments/
  std::int64_t pending_removals = 0;  ///< finished by this run (not faults)
  /// Deep check: files hashed, and files that could not be (no record of
  /// theirs is stored, so their infohash's info dict is unknown).
  std::int64_t hashed = 0;
  std::int64_t unverifiable = 0;
  /// True when every problem found was repaired (or there were none).
  bool consistent() const;
};

/// Where check() is: `phase` ("rows", "files", "hashing"), `done` of
/// `total` items (total is -1 if unknown), `bytes` hashed so far.
struct CheckProgress {
  std::string_view phase;
  std::int64_t done = 0;
  std::int64_t total = -1;
  std::uint64_t bytes = 0;
};

/// How check() checks.
struct CheckOptions {
  /// Fix what can be fixed (see Store::check).
  bool repair = false;
  /// Also hash every segment file against its infohash (reading every
  /// byte of the store): a file with flipped bytes but the right size is
  /// a corrupt_file fault, which repair removes so it is fetched again.
  bool deep = false;
  /// Called now and then while the store is scanned (every 4096 rows or
  /// files, every hashed file); empty for none.
  std::function<void(const CheckProgress &)> progress;
};

/// The name of a fault as it appears in store-gc's output ("orphan-file").
std::string_view fault_name(StoreFault fault);

/// One store folder, opened by one thread. Several processes (and several
/// Store objects) may open the same folder at once.
class Store {
public:
  /// The schema version this program writes (PRAGMA user_version).
  static constexpr int schema_version = 5;

  /// Opens (and, unless read_only, creates and migrates) the store in
  /// `folder`. Errors: no_input if it is missing and !create, data if the
  /// database is corrupt or from a newer program, temp_fail if another
  /// program holds the lock past the timeout, cant_create, io.
  explicit Store(const std::filesystem::path &folder, StoreOptions options = {});
  /// Writes pending accounting (errors are reported as a warning).
  ~Store();
  Store(const Store &) = delete;
  Store &operator=(const Store &) = delete;

  const std::filesystem::path &folder() const;
  std::filesystem::path database_path() const;

  // Rooms, creators and records.

  /// Adds a room, or returns the existing one with this creator and name.
  RoomId add_room(std::string_view creator, std::string_view name,
                  RoomMode mode);
  std::optional<RoomInfo> find_room(std::string_view creator,
                                    std::string_view name);
  std::optional<RoomInfo> room(RoomId id);
  /// Every room, by id (the order they were added in).
  std::vector<RoomInfo> rooms();
  /// The rooms of one creator, oldest first (then by name).
  std::vector<RoomInfo> creator_rooms(std::string_view creator);
  /// Pins or unpins a room: the files a pinned room uses are never
  /// evicted, whichever other rooms use them too.
  void set_room_pinned(RoomId room, bool pinned);
  void set_room_ended(RoomId room, bool ended);

  /// Marks a creator followed (files their rooms use are evicted last) or
  /// not.
  void set_creator_followed(std::string_view creator, bool followed);
  std::optional<CreatorInfo> creator(std::string_view creator);
  /// Every creator the store knows (of a room, or watched), by key; the
  /// watch counts as last written (flush() writes this Store's own).
  std::vector<CreatorInfo> creators();

  /// Stores a record's canonical bytes (opaque here) under (room, seq).
  /// Storing the same record again is a no-op; a different record with the
  /// same seq is Error(data).
  void put_record(RoomId room, std::int64_t seq, std::string_view record_id,
                  std::string_view record);
  /// The record bytes at (room, seq), if stored.
  std::optional<std::string> record(RoomId room, std::int64_t seq);
  /// The highest seq stored for the room, if any.
  std::optional<std::int64_t> last_record_seq(RoomId room);

  /// Removes a room and everything that is its own: its records, its uses
  /// of segments (and the files no other room uses, as remove_segment
  /// does), its totals and its import rows. The creator stays. False if
  /// there is no such room.
  bool remove_room(RoomId room);

  // Imports of video files (peer-seed --dir).

  /// Adds the room (vod, pinned) and its import row, not done yet, in one
  /// transaction. Error(data) if the creator has a room of that name.
  VideoImport begin_import(const NewImport &import);
  /// Marks an import done: its room is whole.
  void finish_import(std::int64_t id);
  /// Records that the file of a done import was seen again with the same
  /// content but another size or mtime (touched), so it is not hashed again.
  void update_import_file(std::int64_t id, std::uint64_t size,
                          std::int64_t mtime_ns);
  /// The newest done import of `path` into a room of `creator`.
  std::optional<VideoImport> last_import(std::string_view creator,
                                         const std::filesystem::path &path);
  /// Imports not done, oldest first: rolled back by the next import.
  std::vector<VideoImport> unfinished_imports();

  // Segments.

  /// Copies (or moves) a segment file in and commits its row and its use
  /// (room, seq), durably and in that order. A segment already stored (the
  /// same infohash) is not copied again: only the use is added, and the
  /// stored file returned. Errors: data for a bad infohash or a different
  /// segment already at the same (room, seq), no_input for a missing
  /// source, io, cant_create.
  SegmentInfo add_segment(const NewSegment &segment);
  /// Removes a segment file and all its uses: the rows first, then the
  /// file. False if not stored.
  bool remove_segment(std::string_view infohash);
  /// Removes the use (room, seq) of a segment, and the file too if no other
  /// room or seq uses it. False if there is no segment at (room, seq).
  bool remove_segment(RoomId room, std::int64_t seq);
  std::optional<SegmentInfo> find_segment(std::string_view infohash);
  /// The segment that (room, seq) uses, seen through that use.
  std::optional<SegmentInfo> find_segment(RoomId room, std::int64_t seq);
  /// Every (room, seq) using the segment, by room then seq; empty if it is
  /// not stored.
  std::vector<SegmentUse> segment_uses(std::string_view infohash);
  /// Opens a stored segment for reading; nullopt if it is not stored (or
  /// its file vanished). See SegmentFile for why serving from the
  /// descriptor is safe while store-gc runs.
  std::optional<SegmentFile> open_segment(std::string_view infohash);
  /// Segment count and bytes of the whole store, each file once.
  SegmentTally segment_totals();

  // Accounting for the network programs. Cheap: events are summed in
  // memory and written in one transaction (see StoreOptions::flush_after*).

  /// `bytes` of the segment were uploaded to a peer (call per piece).
  void note_served(std::string_view infohash, std::uint64_t bytes);
  /// Somebody (a peer or the local viewer) asked for the segment: counts a
  /// request and makes the segment recently used.
  void note_requested(std::string_view infohash);
  /// The local user watched this creator.
  void note_creator_watched(std::string_view creator);
  /// Writes pending accounting now.
  void flush();

  // Garbage collection and checking (store-gc).

  /// Evicts segment files as `policy` says, in this order: files that no
  /// pinned room and no followed creator's room uses, least recently used
  /// first, while they are idle or the store is over max_size; then files
  /// that a followed creator's room (and no pinned room) uses, least
  /// recently used first, while over max_size. A file that any pinned room
  /// uses is never evicted. Evicting a file removes all its uses. Calls
  /// `evicted` for each file removed (or that would be, in a dry run).
  GcReport collect_garbage(const GcPolicy &policy,
                           const std::function<void(const Eviction &)> &evicted);

  /// Verifies the store: SQLite integrity, totals, uses without a segment
  /// and segments without a use, rows without files, files without rows,
  /// sizes, stale temporary files. With `repair`, fixes what can be fixed
  /// (drops dangling uses, removes unused segments, orphan and stale files,
  /// drops rows whose file is missing or has the wrong size). Finishes
  /// removals a crash interrupted.
  /// With options.deep, also hashes every file (see CheckOptions).
  /// A stop request during the scan throws Error(interrupted), having
  /// changed nothing.
  CheckReport check(const CheckOptions &options);
  /// check() with only `repair` set.
  CheckReport check(bool repair);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hlswarm
