#include "hlswarm/store/store.hpp"
#include "hlswarm/base/text_encoding.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

/// 64 hex digits, folded to lower case; Error(data) naming `what` if not.
std::string hex_key(std::string_view text, std::string_view what) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != 32)
    throw Error(Exit::data, what,
                fmt::format("'{}' is not 64 hexadecimal digits", text));
  return to_hex(*bytes);
}

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

const char *mode_name(RoomMode mode) {
  return mode == RoomMode::vod ? "vod" : "live";
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

RoomInfo read_room(const sqlite::Statement &row) {
  RoomInfo info;
  info.id = row.integer(0);
  info.creator = row.text(1);
  info.name = row.text(2);
  info.mode = row.text(3) == "vod" ? RoomMode::vod : RoomMode::live;
  info.ended = row.text(4) == "ended";
  info.pinned = row.integer(5) != 0;
  info.created = row.integer(6);
  return info;
}

/// Distinguishes temporary files of two Store objects in one process.
std::atomic<unsigned> temporary_counter{0};

} // namespace

std::string infohash_bytes(std::string_view hex) {
  if (hex.size() != 64)
    return {};
  return from_hex(hex).value_or(std::string());
}

std::string segment_file_name(std::string_view infohash,
                              std::string_view extension) {
  return fmt::format("segments/{}/{}{}", infohash.substr(0, 2), infohash,
                     extension);
}

long temporary_owner_pid(const std::string &file_name) {
  auto at = file_name.rfind(".tmp-");
  if (at == std::string::npos)
    return 0;
  long pid = 0;
  for (std::size_t i = at + 5; i < file_name.size() && file_name[i] != '-';
       ++i) {
    if (file_name[i] < '0' || file_name[i] > '9' || pid > 1'000'000'000)
      return 0;
    pid = pid * 10 + (file_name[i] - '0');
  }
  return pid;
}

// ---------------------------------------------------------------- open

UnixSeconds Store::Impl::now() const {
  if (options.clock)
    return options.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Store::Impl::require_writable() const {
  if (options.read_only)
    throw Error(Exit::software, folder.string(),
                "the store was opened read-only");
}

void Store::Impl::migrate() {
  auto version = db->query_integer("PRAGMA user_version");
  if (version > Store::schema_version)
    throw Error(Exit::data, db->path(),
                fmt::format("schema version {} is newer than this program's "
                            "({}); upgrade hlswarm",
                            version, Store::schema_version));
  if (version == Store::schema_version)
    return;
  if (options.read_only)
    throw Error(Exit::temp_fail, db->path(),
                fmt::format("schema version {} needs upgrading to {}; open "
                            "the store once without --dry-run",
                            version, Store::schema_version));
  sqlite::WriteTransaction transaction(*db);
  // Another program may have migrated while we waited for the lock.
  version = db->query_integer("PRAGMA user_version");
  for (auto v = version; v < Store::schema_version; ++v)
    db->execute(store_migrations[v]);
  db->execute(fmt::format("PRAGMA user_version = {}", Store::schema_version));
  transaction.commit();
}

Store::Store(const fs::path &folder, StoreOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->folder = folder;
  impl_->options = std::move(options);
  auto database = folder / "store.db";
  std::error_code ec;
  if (!fs::exists(database, ec)) {
    if (impl_->options.read_only || !impl_->options.create)
      throw Error(Exit::no_input, folder.string(), "no store here");
    make_dirs(folder / "segments");
  }
  impl_->db = std::make_unique<sqlite::Database>(
      database, impl_->options.read_only, impl_->options.create);
  auto &db = *impl_->db;
  db.set_busy_timeout(impl_->options.busy_timeout);
  db.execute("PRAGMA foreign_keys = ON");
  if (!impl_->options.read_only) {
    // WAL: readers (serving peers) never wait for the writer and the writer
    // never waits for readers. synchronous = FULL makes each commit durable
    // on its own: a removal unlinks its file right after the commit, so
    // that commit must not roll back after a power cut (with NORMAL it
    // could, leaving a row without a file).
    db.execute("PRAGMA journal_mode = WAL");
    db.execute("PRAGMA synchronous = FULL");
  }
  impl_->migrate();
}

Store::~Store() {
  if (!impl_ || impl_->options.read_only)
    return;
  try {
    impl_->flush_usage();
  } catch (const Error &e) {
    diag::warningf("{}: accounting not written: {}", impl_->folder.string(),
                   e.reason());
  }
}

const fs::path &Store::folder() const { return impl_->folder; }
fs::path Store::database_path() const { return impl_->folder / "store.db"; }

// ---------------------------------------------------------------- rooms

RoomId Store::add_room(std::string_view creator, std::string_view name,
                       RoomMode mode) {
  impl_->require_writable();
  auto key = hex_key(creator, "creator");
  if (name.empty())
    throw Error(Exit::data, "room", "the room name is empty");
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  db.statement("INSERT INTO creators (pk) VALUES (?1) ON CONFLICT DO NOTHING")
      .bind(1, key)
      .run();
  db.statement("INSERT INTO rooms (creator, name, mode, created) "
               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
      .bind(1, key)
      .bind(2, name)
      .bind(3, mode_name(mode))
      .bind(4, impl_->now())
      .run();
  auto &query =
      db.statement("SELECT id FROM rooms WHERE creator = ?1 AND name = ?2");
  query.bind(1, key).bind(2, name);
  query.step();
  RoomId id = query.integer(0);
  query.reset();
  transaction.commit();
  return id;
}

std::optional<RoomInfo> Store::find_room(std::string_view creator,
                                         std::string_view name) {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "WHERE creator = ?1 AND name = ?2");
  query.bind(1, hex_key(creator, "creator")).bind(2, name);
  std::optional<RoomInfo> found;
  if (query.step())
    found = read_room(query);
  query.reset();
  return found;
}

std::optional<RoomInfo> Store::room(RoomId id) {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "WHERE id = ?1");
  query.bind(1, id);
  std::optional<RoomInfo> found;
  if (query.step())
    found = read_room(query);
  query.reset();
  return found;
}

void Store::set_room_pinned(RoomId room, bool pinned) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  db.statement("UPDATE rooms SET pinned = ?2 WHERE id = ?1")
      .bind(1, room)
      .bind(2, pinned ? 1 : 0)
      .run();
  if (db.changes() == 0)
    throw Error(Exit::data, "room", fmt::format("no room {} in the store", room));
  transaction.commit();
}

void Store::set_room_ended(RoomId room, bool ended) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  db.statement("UPDATE rooms SET state = ?2 WHERE id = ?1")
      .bind(1, room)
      .bind(2, ended ? "ended" : "open")
      .run();
  if (db.changes() == 0)
    throw Error(Exit::data, "room", fmt::format("no room {} in the store", room));
  transaction.commit();
}

void Store::set_creator_followed(std::string_view creator, bool followed) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  db.statement("INSERT INTO creators (pk, followed) VALUES (?1, ?2) "
               "ON CONFLICT (pk) DO UPDATE SET followed = excluded.followed")
      .bind(1, hex_key(creator, "creator"))
      .bind(2, followed ? 1 : 0)
      .run();
  transaction.commit();
}

std::optional<CreatorInfo> Store::creator(std::string_view creator) {
  auto &query = impl_->db->statement(
      "SELECT pk, times_watched, last_watched, followed FROM creators "
      "WHERE pk = ?1");
  query.bind(1, hex_key(creator, "creator"));
  std::optional<CreatorInfo> found;
  if (query.step())
    found = CreatorInfo{query.text(0), query.integer(1),
                        query.optional_integer(2), query.integer(3) != 0};
  query.reset();
  return found;
}

// ---------------------------------------------------------------- records

void Store::put_record(RoomId room, std::int64_t seq,
                       std::string_view record_id, std::string_view record) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  auto &existing =
      db.statement("SELECT id FROM records WHERE room = ?1 AND seq = ?2");
  existing.bind(1, room).bind(2, seq);
  if (existing.step()) {
    bool same = existing.text(0) == record_id;
    existing.reset();
    if (!same)
      throw Error(Exit::data, fmt::format("room {} seq {}", room, seq),
                  "a different record is already stored at this seq");
    return;
  }
  existing.reset();
  db.statement(
        "INSERT INTO records (room, seq, id, record) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, room)
      .bind(2, seq)
      .bind(3, record_id)
      .bind_blob(4, record)
      .run();
  transaction.commit();
}

std::optional<std::string> Store::record(RoomId room, std::int64_t seq) {
  auto &query = impl_->db->statement(
      "SELECT record FROM records WHERE room = ?1 AND seq = ?2");
  query.bind(1, room).bind(2, seq);
  std::optional<std::string> found;
  if (query.step())
    found = query.blob(0);
  query.reset();
  return found;
}

std::optional<std::int64_t> Store::last_record_seq(RoomId room) {
  auto &query =
      impl_->db->statement("SELECT max(seq) FROM records WHERE room = ?1");
  query.bind(1, room);
  std::optional<std::int64_t> found;
  if (query.step())
    found = query.optional_integer(0);
  query.reset();
  return found;
}

// ---------------------------------------------------------------- segments

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
  if (!linked) {
    std::error_code ec;
    fs::copy_file(segment.source, temporary,
                  fs::copy_options::overwrite_existing, ec);
    if (ec) {
      remove_quietly(temporary);
      bool missing = ec == std::errc::no_such_file_or_directory;
      throw Error(missing ? Exit::no_input : Exit::io,
                  segment.source.string(), ec.message());
    }
  }
  std::uint64_t bytes = 0;
  try {
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

bool Store::remove_segment(std::string_view infohash_text) {
  impl_->require_writable();
  auto &db = *impl_->db;
  auto infohash = hex_key(infohash_text, "infohash");
  std::string file;
  std::int64_t removal = 0;
  {
    sqlite::WriteTransaction transaction(db);
    auto key = infohash_bytes(infohash);
    auto &query = db.statement("SELECT ext FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    query.bind_blob(1, key);
    if (!query.step())
      return false;
    file = segment_file_name(infohash, "." + query.text(0));
    query.reset();
    // Trigger segments_unused deletes its uses.
    db.statement("DELETE FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"))
        .bind_blob(1, key)
        .run();
    removal = impl_->note_removals({file});
    transaction.commit();
  }
  impl_->finish_removals(removal);
  return true;
}

bool Store::remove_segment(RoomId room, std::int64_t seq) {
  impl_->require_writable();
  auto &db = *impl_->db;
  std::string file;
  std::optional<std::int64_t> removal;
  {
    sqlite::WriteTransaction transaction(db);
    auto &query = db.statement(
        "SELECT s.id, s.infohash, s.ext, "
        "(SELECT count(*) FROM segment_uses o WHERE o.segment = s.id) "
        "FROM segment_uses u JOIN segments s ON s.id = u.segment "
        "WHERE u.room = ?1 AND u.seq = ?2");
    query.bind(1, room).bind(2, seq);
    if (!query.step())
      return false;
    auto id = query.integer(0);
    auto infohash = to_hex(query.blob(1));
    auto extension = query.text(2);
    bool last_use = query.integer(3) <= 1;
    query.reset();
    db.statement("DELETE FROM segment_uses WHERE room = ?1 AND seq = ?2")
        .bind(1, room)
        .bind(2, seq)
        .run();
    if (last_use) {
      file = segment_file_name(infohash, "." + extension);
      db.statement("DELETE FROM segments WHERE id = ?1").bind(1, id).run();
      removal = impl_->note_removals({file});
    }
    transaction.commit();
  }
  if (removal)
    impl_->finish_removals(*removal);
  return true;
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

namespace {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty())
      lines.emplace_back(line);
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

} // namespace

std::int64_t Store::Impl::note_removals(const std::vector<std::string> &files) {
  std::string listed;
  for (const auto &file : files) {
    listed += file;
    listed += '\n';
  }
  db->statement("INSERT INTO pending_removals (files) VALUES (?1)")
      .bind(1, listed)
      .run();
  return db->last_insert_rowid();
}

bool Store::Impl::file_has_row(const std::string &file) {
  fs::path relative(file);
  auto stem = relative.stem().string();
  auto extension = relative.extension().string();
  auto key = infohash_bytes(stem);
  if (key.empty() || extension.size() < 2 ||
      file != segment_file_name(stem, extension))
    return false; // not a name any row would have
  auto &owner = db->statement(
      "SELECT 1 FROM segments WHERE " HLSWARM_SEGMENT_IS("?1") " AND ext = ?2");
  owner.bind_blob(1, key).bind(2, extension.substr(1));
  bool owned = owner.step();
  owner.reset();
  return owned;
}

void Store::Impl::finish_removals(std::int64_t id) {
  sqlite::WriteTransaction transaction(*db);
  auto &read = db->statement("SELECT files FROM pending_removals WHERE id = ?1");
  read.bind(1, id);
  if (!read.step()) {
    read.reset();
    return; // finished by another program meanwhile
  }
  auto files = split_lines(read.text(0));
  read.reset();
  std::string failure;
  std::vector<std::string> failed;
  for (const auto &file : files) {
    if (file_has_row(file))
      continue; // added again meanwhile: its new file stays
    auto path = absolute(file);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      failure = fmt::format("{}: {}", path.string(), std::strerror(errno));
      failed.push_back(file); // stays pending; the next gc or repair retries
    }
  }
  if (failed.empty()) {
    db->statement("DELETE FROM pending_removals WHERE id = ?1").bind(1, id).run();
  } else {
    std::string left;
    for (const auto &file : failed)
      left += file + '\n';
    db->statement("UPDATE pending_removals SET files = ?2 WHERE id = ?1")
        .bind(1, id)
        .bind(2, left)
        .run();
  }
  transaction.commit();
  if (!failure.empty())
    throw Error(Exit::io, failure);
}

std::int64_t Store::Impl::finish_all_removals() {
  std::vector<std::int64_t> ids;
  std::int64_t files = 0;
  auto &query = db->statement("SELECT id, files FROM pending_removals");
  while (query.step()) {
    ids.push_back(query.integer(0));
    files += static_cast<std::int64_t>(split_lines(query.text(1)).size());
  }
  query.reset();
  for (auto id : ids)
    finish_removals(id);
  return files;
}

std::vector<std::string> Store::Impl::pending_removal_files() {
  std::vector<std::string> files;
  auto &query = db->statement("SELECT files FROM pending_removals");
  while (query.step())
    for (auto &file : split_lines(query.text(0)))
      files.push_back(std::move(file));
  query.reset();
  return files;
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

// ---------------------------------------------------------------- accounting

void Store::note_served(std::string_view infohash, std::uint64_t bytes) {
  impl_->require_writable();
  auto &usage = impl_->segment_usage[std::string(infohash)];
  usage.bytes_served += bytes;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::note_requested(std::string_view infohash) {
  impl_->require_writable();
  auto &usage = impl_->segment_usage[std::string(infohash)];
  usage.requests += 1;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::note_creator_watched(std::string_view creator) {
  impl_->require_writable();
  auto &usage = impl_->creator_usage[hex_key(creator, "creator")];
  usage.times_watched += 1;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::flush() { impl_->flush_usage(); }

void Store::Impl::note_event() {
  auto now_steady = std::chrono::steady_clock::now();
  if (pending_events++ == 0)
    first_pending = now_steady;
  if (pending_events >= options.flush_after_events ||
      now_steady - first_pending >= options.flush_after)
    flush_usage();
}

void Store::Impl::flush_usage() {
  if (pending_events == 0)
    return;
  sqlite::WriteTransaction transaction(*db);
  auto &segment = db->statement(
      "UPDATE segments SET requests_served = requests_served + ?2, "
      "bytes_uploaded = bytes_uploaded + ?3, "
      "last_requested = max(coalesce(last_requested, 0), ?4) "
      "WHERE " HLSWARM_SEGMENT_IS("?1"));
  for (const auto &[infohash, usage] : segment_usage) {
    auto key = infohash_bytes(infohash);
    if (key.empty())
      continue; // not an infohash: cannot be in the store
    segment.reset();
    segment.bind_blob(1, key)
        .bind(2, usage.requests)
        .bind(3, static_cast<std::int64_t>(usage.bytes_served))
        .bind(4, usage.last)
        .run();
  }
  auto &creator = db->statement(
      "INSERT INTO creators (pk, times_watched, last_watched) "
      "VALUES (?1, ?2, ?3) ON CONFLICT (pk) DO UPDATE SET "
      "times_watched = times_watched + excluded.times_watched, "
      "last_watched = max(coalesce(last_watched, 0), excluded.last_watched)");
  for (const auto &[key, usage] : creator_usage) {
    creator.reset();
    creator.bind(1, key).bind(2, usage.times_watched).bind(3, usage.last).run();
  }
  transaction.commit();
  // Cleared only once written, so a failed flush (busy) is retried later.
  segment_usage.clear();
  creator_usage.clear();
  pending_events = 0;
}

} // namespace hlswarm
