// Store: adding segment files and finding them.
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

/// The file name extension kept for a segment ("ts", "m4s"...), without
/// its dot: only short alphanumeric ones, so nothing odd reaches a name.
std::string segment_extension(const fs::path &source) {
  std::string extension = source.extension().string();
  bool good = extension.size() >= 2 && extension.size() <= 8;
  for (std::size_t i = 1; good && i < extension.size(); ++i) {
    char c = extension[i];
    if (c >= 'A' && c <= 'Z')
      extension[i] = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      good = false;
  }
  return good ? extension.substr(1) : "seg";
}

// A segment row s seen through one of its uses u (null if it has none).
constexpr const char *segment_columns =
    "s.infohash, u.room, u.seq, s.ext, s.bytes, s.added, s.last_requested, "
    "s.requests_served, s.bytes_uploaded";

SegmentInfo read_segment(const sqlite::Statement &row, const fs::path &folder) {
  SegmentInfo info;
  info.infohash = to_hex(row.blob(0));
  info.room = row.optional_integer(1).value_or(0);
  info.seq = row.optional_integer(2).value_or(0);
  info.file = folder / segment_file_name(info.infohash, "." + row.text(3));
  info.bytes = static_cast<std::uint64_t>(row.integer(4));
  info.added = row.integer(5);
  info.last_requested = row.optional_integer(6);
  info.requests_served = row.integer(7);
  info.bytes_uploaded = static_cast<std::uint64_t>(row.integer(8));
  return info;
}

/// Distinguishes temporary files of two Store objects in one process.
std::atomic<unsigned> temporary_counter{0};

} // namespace

/// Adds the use (room, seq) of the stored segment `stored` (inside the
/// caller's write transaction): nothing if it is that use already,
/// Error(data) if (room, seq) uses another segment.
static SegmentInfo add_use(sqlite::Database &db, SegmentInfo stored,
                           std::int64_t segment_id, RoomId room,
                           std::int64_t seq) {
  auto &conflict = db.statement(
      "SELECT s.id, s.infohash FROM segment_uses u "
      "JOIN segments s ON s.id = u.segment WHERE u.room = ?1 AND u.seq = ?2");
  conflict.bind(1, room).bind(2, seq);
  if (conflict.step()) {
    auto other_id = conflict.integer(0);
    auto other = to_hex(conflict.blob(1));
    conflict.reset();
    if (other_id != segment_id)
      throw Error(Exit::data, stored.infohash,
                  fmt::format("room {} already has segment {} at seq {}", room,
                              other, seq));
  } else {
    conflict.reset();
    // A use left behind by a removed segment (a fault check() reports)
    // must not block this one.
    db.statement("DELETE FROM segment_uses WHERE room = ?1 AND seq = ?2")
        .bind(1, room)
        .bind(2, seq)
        .run();
    db.statement(
          "INSERT INTO segment_uses (room, seq, segment) VALUES (?1, ?2, ?3)")
        .bind(1, room)
        .bind(2, seq)
        .bind(3, segment_id)
        .run();
  }
  stored.room = room;
  stored.seq = seq;
  return stored;
}

SegmentInfo Store::add_segment(const NewSegment &segment) {
  impl_->require_writable();
  auto &db = *impl_->db;
  auto infohash = hex_key(segment.infohash, "infohash");
  auto key = infohash_bytes(infohash);
  // The id of the stored segment with this infohash, if any.
  auto stored_id = [&]() -> std::optional<std::int64_t> {
    auto &query =
        db.statement("SELECT id FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    query.bind_blob(1, key);
    std::optional<std::int64_t> id;
    if (query.step())
      id = query.integer(0);
    query.reset();
    return id;
  };
  // Already stored (by this room or another): only the use is new.
  auto add_use_of_stored = [&](std::int64_t id) {
    return add_use(db, *find_segment(infohash), id, segment.room, segment.seq);
  };
  {
    std::optional<SegmentInfo> existing;
    {
      sqlite::WriteTransaction transaction(db);
      if (auto id = stored_id()) {
        existing = add_use_of_stored(*id);
        transaction.commit();
      }
    }
    if (existing)
      return *existing;
  }

  auto extension = segment_extension(segment.source);
  auto relative = segment_file_name(infohash, "." + extension);
  auto final = impl_->folder / relative;
  make_dirs(final.parent_path());
  auto temporary = temporary_name_for(final);
  temporary += fmt::format("-{}", temporary_counter++);

  // The bytes are made durable under the temporary name before the lock is
  // taken, so the lock is held only for the rename and the row.
  bool linked = segment.move &&
                ::link(segment.source.c_str(), temporary.c_str()) == 0;
  std::uint64_t bytes = 0;
  try {
    // Errors name the store's file, not its temporary name.
    if (!linked)
      copy_file_contents(segment.source, temporary, final.string());
    bytes = fs::file_size(temporary);
    fsync_path(temporary);
  } catch (const fs::filesystem_error &e) {
    remove_quietly(temporary);
    throw Error(Exit::io, temporary.string(), e.code().message());
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }

  SegmentInfo added;
  try {
    sqlite::WriteTransaction transaction(db);
    if (auto id = stored_id()) { // added meanwhile
      remove_quietly(temporary);
      added = add_use_of_stored(*id);
      transaction.commit();
      return added;
    }
    auto &conflict = db.statement(
        "SELECT s.infohash FROM segment_uses u "
        "JOIN segments s ON s.id = u.segment WHERE u.room = ?1 AND u.seq = ?2");
    conflict.bind(1, segment.room).bind(2, segment.seq);
    if (conflict.step()) {
      auto other = to_hex(conflict.blob(0));
      conflict.reset();
      throw Error(Exit::data, infohash,
                  fmt::format("room {} already has segment {} at seq {}",
                              segment.room, other, segment.seq));
    }
    conflict.reset();

    // The rename happens under the write lock: store-gc --check, which looks
    // for files without rows under the same lock, never sees it halfway.
    try {
      // An unfinished removal of an older copy leaves this one alone: its
      // row will own the name (rule 2).
      commit_file(temporary, final);
      added.infohash = infohash;
      added.room = segment.room;
      added.seq = segment.seq;
      added.file = final;
      added.bytes = bytes;
      added.added = impl_->now();
      db.statement("INSERT INTO segments (infohash, ext, bytes, added) "
                   "VALUES (?1, ?2, ?3, ?4)")
          .bind_blob(1, key)
          .bind(2, extension)
          .bind(3, static_cast<std::int64_t>(bytes))
          .bind(4, added.added)
          .run();
      auto id = db.last_insert_rowid();
      add_use(db, added, id, segment.room, segment.seq);
      transaction.commit();
    } catch (...) {
      // Still under the lock: no row refers to the file, so it can go.
      remove_quietly(final);
      throw;
    }
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
  if (segment.move)
    remove_quietly(segment.source);
  return added;
}

std::vector<SegmentUse> Store::segment_uses(std::string_view infohash) {
  auto &query = impl_->db->statement(
      "SELECT u.room, u.seq FROM segments s "
      "JOIN segment_uses u ON u.segment = s.id "
      "WHERE " HLSWARM_SEGMENT_IS("?1") " ORDER BY u.room, u.seq");
  query.bind_blob(1, infohash_bytes(hex_key(infohash, "infohash")));
  std::vector<SegmentUse> uses;
  while (query.step())
    uses.push_back({query.integer(0), query.integer(1)});
  query.reset();
  return uses;
}
std::optional<SegmentInfo> Store::find_segment(std::string_view infohash) {
  auto &query = impl_->db->statement(fmt::format(
      "SELECT {} FROM segments s LEFT JOIN segment_uses u ON u.segment = s.id "
      "WHERE " HLSWARM_SEGMENT_IS("?1")
      " ORDER BY u.room, u.seq LIMIT 1",
      segment_columns));
  query.bind_blob(1, infohash_bytes(hex_key(infohash, "infohash")));
  std::optional<SegmentInfo> found;
  if (query.step())
    found = read_segment(query, impl_->folder);
  query.reset();
  return found;
}

std::optional<SegmentInfo> Store::find_segment(RoomId room, std::int64_t seq) {
  auto &query = impl_->db->statement(fmt::format(
      "SELECT {} FROM segment_uses u JOIN segments s ON s.id = u.segment "
      "WHERE u.room = ?1 AND u.seq = ?2",
      segment_columns));
  query.bind(1, room).bind(2, seq);
  std::optional<SegmentInfo> found;
  if (query.step())
    found = read_segment(query, impl_->folder);
  query.reset();
  return found;
}

std::optional<SegmentFile> Store::open_segment(std::string_view infohash) {
  auto found = find_segment(infohash);
  if (!found)
    return std::nullopt;
  int fd = ::open(found->file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) // evicted between the lookup and the open
      return std::nullopt;
    throw system_error(Exit::io, found->file.string(), errno);
  }
  return SegmentFile(fd, found->bytes);
}

SegmentTally Store::segment_totals() {
  auto &query = impl_->db->statement(
      "SELECT coalesce(sum(segments), 0), coalesce(sum(bytes), 0) "
      "FROM segment_totals");
  query.step();
  SegmentTally totals{query.integer(0),
                      static_cast<std::uint64_t>(query.integer(1))};
  query.reset();
  return totals;
}

SegmentFile::~SegmentFile() {
  if (fd_ >= 0)
    ::close(fd_);
}

SegmentFile::SegmentFile(SegmentFile &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), bytes_(other.bytes_) {}

SegmentFile &SegmentFile::operator=(SegmentFile &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    bytes_ = other.bytes_;
  }
  return *this;
}

} // namespace hlswarm
