// Store::check: find (and with repair, fix) what a crash or a hand left
// behind. Rows and files are first scanned without the write lock, which
// can take seconds on a big store; each suspect is then looked at again
// under the lock, where no add or removal is halfway, so programs running
// at the same time are never reported as faults.
//
// The deep check also hashes every file. The store keeps infohashes, not
// info dicts, and an infohash cannot be checked without its info dict; the
// records stored with a segment's uses carry it (key "info", see record.hpp
// in chain), so the pieces root is read from there.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/merkle.hpp"
#include "hlswarm/base/signals.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

/// A temporary file is in use while its writer lives; one older than this
/// is stale even if its pid now belongs to some other process.
constexpr auto temporary_lifetime = std::chrono::hours(1);

bool temporary_in_use(const fs::path &path, const std::string &name) {
  long pid = temporary_owner_pid(name);
  bool alive = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 ||
                           errno == EPERM);
  if (!alive)
    return false;
  std::error_code ec;
  auto modified = fs::last_write_time(path, ec);
  return !ec && fs::file_time_type::clock::now() - modified < temporary_lifetime;
}

std::optional<std::uint64_t> size_on_disk(const fs::path &path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return std::nullopt;
  return static_cast<std::uint64_t>(info.st_size);
}

/// Whether a file under segments/ belongs to a row or to a removal not yet
/// finished (`pending`, sorted).
bool file_is_owned(Store::Impl &impl, const std::vector<std::string> &pending,
                   const std::string &relative) {
  return impl.file_has_row(relative) ||
         std::binary_search(pending.begin(), pending.end(), relative);
}

/// The files of pending removals, sorted for file_is_owned.
std::vector<std::string> sorted_pending_removals(Store::Impl &impl) {
  auto files = impl.pending_removal_files();
  std::sort(files.begin(), files.end());
  return files;
}

struct Suspect {
  StoreFault fault;
  std::string file;     // relative to the store
  std::string infohash; // 32 bytes, as in the database
  std::uint64_t bytes = 0;
  bool pinned = false;
  Sha256 pieces_root{}; // corrupt_file: what the file should hash to
};

/// What a file with this infohash must hash to, from a record of one of
/// its uses: the record's info dict, if its SHA-256 is `infohash` (32
/// bytes), names the file's length and pieces root. Nullopt if the record
/// is not of this segment or not readable.
std::optional<std::pair<std::uint64_t, Sha256>>
expected_content(std::string_view record, std::string_view infohash) {
  try {
    auto value = bencode::decode(record, "record", {.max_bytes = 1000});
    const auto &fields = value.dict("record");
    auto info = fields.find("info");
    if (info == fields.end())
      return std::nullopt;
    const auto &info_dict = info->second.string("info"); // its exact bytes
    if (digest_bytes(sha256(info_dict)) != infohash)
      return std::nullopt;
    auto decoded = bencode::decode(info_dict, "info dict", {.max_bytes = 1024});
    const auto &tree = decoded.dict("info").at("file tree").dict("file tree");
    if (tree.size() != 1)
      return std::nullopt;
    const auto &file = tree.begin()->second.dict("entry").at("").dict("file");
    auto length = file.at("length").integer("length");
    if (length <= 0)
      return std::nullopt;
    return std::pair{static_cast<std::uint64_t>(length),
                     digest_from_bytes(file.at("pieces root").string("root"))};
  } catch (const Error &) {
    return std::nullopt;
  } catch (const std::out_of_range &) { // a key that is not there
    return std::nullopt;
  }
}

/// Whether the file at `path` is `bytes` long and hashes to `pieces_root`.
/// Error(io) if it cannot be read.
bool file_hashes_to(const fs::path &path, std::uint64_t bytes,
                    const Sha256 &pieces_root) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw system_error(Exit::io, path.string(), errno);
  struct stat info {};
  bool same = ::fstat(fd, &info) == 0 &&
              static_cast<std::uint64_t>(info.st_size) == bytes;
  try {
    same = same && merkle_root_of_file(fd, bytes, path.string()) == pieces_root;
  } catch (const Error &e) {
    ::close(fd);
    if (e.code() == Exit::data) // changed size while hashed
      return false;
    throw;
  }
  ::close(fd);
  return same;
}

} // namespace

std::string_view fault_name(StoreFault fault) {
  switch (fault) {
  case StoreFault::integrity: return "integrity";
  case StoreFault::totals_mismatch: return "totals-mismatch";
  case StoreFault::duplicate_row: return "duplicate-row";
  case StoreFault::dangling_use: return "dangling-use";
  case StoreFault::unused_segment: return "unused-segment";
  case StoreFault::missing_file: return "missing-file";
  case StoreFault::size_mismatch: return "size-mismatch";
  case StoreFault::orphan_file: return "orphan-file";
  case StoreFault::stale_temporary: return "stale-temporary";
  case StoreFault::corrupt_file: return "corrupt-file";
  }
  return "unknown";
}

bool CheckReport::consistent() const {
  for (const auto &problem : problems)
    if (!problem.repaired)
      return false;
  return true;
}

namespace {

/// One run of Store::check, one method per phase, in the order check()
/// calls them.
class StoreChecker {
public:
  StoreChecker(Store::Impl &impl, const CheckOptions &options)
      : impl_(impl), db_(*impl.db), repair_(options.repair),
        options_(options) {}

  CheckReport run();

private:
  bool check_integrity();
  void check_duplicate_rows();
  void check_dangling_uses();
  void check_unused_segments();
  void check_totals();
  void finish_pending_removals();
  void scan_rows(std::vector<Suspect> &suspects);
  void scan_files(std::vector<Suspect> &suspects);
  void hash_files(std::vector<Suspect> &suspects);
  void confirm(const std::vector<Suspect> &suspects);

  /// Reports `count` (if not 0) things of one fault ("2 uses of a segment
  /// that is not stored"): `one` and `many` are the noun for 1 and for
  /// more, `rest` follows it; a repair runs `repair_sql` and says
  /// `repaired`.
  void add_counted(StoreFault fault, std::string subject, std::int64_t count,
                   std::string_view one, std::string_view many,
                   std::string_view rest, std::string_view repair_sql,
                   std::string_view repaired);
  void report_progress(std::string_view phase, std::int64_t done,
                       std::int64_t total, std::uint64_t bytes = 0);

  Store::Impl &impl_;
  sqlite::Database &db_;
  bool repair_;
  const CheckOptions &options_;
  CheckReport report_;
};

CheckReport StoreChecker::run() {
  if (!check_integrity())
    return std::move(report_); // repairing files against a broken index would do harm
  check_duplicate_rows();
  check_dangling_uses();
  check_unused_segments();
  check_totals();
  finish_pending_removals();
  std::vector<Suspect> suspects;
  scan_rows(suspects);
  scan_files(suspects);
  if (options_.deep)
    hash_files(suspects);
  if (!suspects.empty())
    confirm(suspects);
  return std::move(report_);
}

void StoreChecker::add_counted(StoreFault fault, std::string subject,
                               std::int64_t count, std::string_view one,
                               std::string_view many, std::string_view rest,
                               std::string_view repair_sql,
                               std::string_view repaired) {
  if (count <= 0)
    return;
  StoreProblem problem{fault, std::move(subject),
                       fmt::format("{} {} {}", count, count == 1 ? one : many,
                                   rest),
                       false, false};
  if (repair_) {
    sqlite::WriteTransaction transaction(db_);
    db_.execute(repair_sql);
    transaction.commit();
    problem.repaired = true;
    problem.detail += fmt::format("; {}", repaired);
  }
  report_.problems.push_back(std::move(problem));
}

void StoreChecker::report_progress(std::string_view phase, std::int64_t done,
                                   std::int64_t total, std::uint64_t bytes) {
  if (options_.progress)
    options_.progress({phase, done, total, bytes});
}

/// The database itself first: if it is damaged, nothing else is certain.
/// False if it is.
bool StoreChecker::check_integrity() {
  auto &query = db_.statement("PRAGMA integrity_check");
  while (query.step()) {
    auto line = query.text(0);
    if (line != "ok")
      report_.problems.push_back({StoreFault::integrity,
                                  std::string(store_database_name), line, false,
                                  false});
  }
  query.reset();
  auto &keys = db_.statement("PRAGMA foreign_key_check");
  while (keys.step())
    report_.problems.push_back(
        {StoreFault::integrity, std::string(store_database_name),
         fmt::format("row {} of {} refers to a missing {} row", keys.integer(1),
                     keys.text(0), keys.text(2)),
         false, false});
  keys.reset();
  return report_.problems.empty();
}

/// Infohashes are unique by the writers' rule, not by an index. The repair
/// keeps the first row, which takes over the others' uses; the others go (a
/// file only they named is an orphan for the file scan).
void StoreChecker::check_duplicate_rows() {
  auto duplicates = db_.query_integer(
      "SELECT count(*) FROM (SELECT 1 FROM segments GROUP BY infohash "
      "HAVING count(*) > 1)");
  add_counted(StoreFault::duplicate_row, "segments", duplicates, "infohash",
              "infohashes",
              "stored in more than one row", R"sql(
UPDATE segment_uses SET segment = (
  SELECT min(k.id) FROM segments d JOIN segments k ON k.infohash = d.infohash
  WHERE d.id = segment_uses.segment)
WHERE segment IN (SELECT id FROM segments WHERE id NOT IN
                  (SELECT min(id) FROM segments GROUP BY infohash));
DELETE FROM segments WHERE id NOT IN
  (SELECT min(id) FROM segments GROUP BY infohash);
)sql",
              "later rows dropped");
}

/// Uses of a segment row that is gone. Writers delete a segment's uses with
/// it (in one transaction), so only a hand or a bug leaves one.
void StoreChecker::check_dangling_uses() {
  auto dangling = db_.query_integer(
      "SELECT count(*) FROM segment_uses u "
      "WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.id = u.segment)");
  add_counted(StoreFault::dangling_use, "segment_uses", dangling, "use", "uses",
              "of a segment that is not stored",
              "DELETE FROM segment_uses WHERE NOT EXISTS "
              "(SELECT 1 FROM segments s WHERE s.id = segment_uses.segment)",
              "dropped");
}

/// Segments no room uses: stored for nothing, and no room's totals count
/// them. Writers add a segment with its first use and remove it with its
/// last, in one transaction, so a snapshot never shows one halfway; the
/// repair looks again under the write lock.
void StoreChecker::check_unused_segments() {
  std::optional<sqlite::WriteTransaction> transaction;
  if (repair_)
    transaction.emplace(db_);
  auto &unused = db_.statement(
      "SELECT s.id, s.infohash, s.ext, s.bytes FROM segments s "
      "WHERE NOT EXISTS (SELECT 1 FROM segment_uses u WHERE u.segment = s.id)");
  std::vector<std::pair<std::int64_t, std::string>> found;
  while (unused.step()) {
    auto file =
        segment_file_name(to_hex(unused.blob(1)), "." + unused.text(2));
    report_.problems.push_back(
        {StoreFault::unused_segment, file,
         fmt::format("{} bytes, no room uses it", unused.integer(3)), false,
         false});
    found.emplace_back(unused.integer(0), std::move(file));
  }
  unused.reset();
  if (!transaction || found.empty())
    return;
  auto &drop = db_.statement("DELETE FROM segments WHERE id = ?1");
  std::vector<std::string> files;
  for (std::size_t i = 0; i < found.size(); ++i) {
    drop.reset();
    drop.bind(1, found[i].first).run();
    files.push_back(found[i].second);
    auto &problem =
        report_.problems[report_.problems.size() - found.size() + i];
    problem.repaired = true;
    problem.detail += "; removed";
  }
  auto removal = impl_.note_removals(files);
  transaction->commit();
  transaction.reset();
  impl_.finish_removals(removal);
}

/// The per-room totals (uses, and the bytes of their files) and the
/// store's, from one snapshot (the triggers that keep them run in the
/// writer's transaction, so a snapshot is always consistent).
void StoreChecker::check_totals() {
  auto wrong_totals = db_.query_integer(R"sql(
WITH uses (room, segments, bytes) AS (
  SELECT u.room, count(*), sum(coalesce(s.bytes, 0))
  FROM segment_uses u LEFT JOIN segments s ON s.id = u.segment GROUP BY u.room)
SELECT (SELECT count(*) FROM (
          SELECT room, segments, bytes FROM uses
          EXCEPT SELECT room, segments, bytes FROM room_totals))
     + (SELECT count(*) FROM (
          SELECT room, segments, bytes FROM room_totals
          WHERE segments != 0 OR bytes != 0
          EXCEPT SELECT room, segments, bytes FROM uses))
     + (SELECT count(*) FROM (
          SELECT count(*), coalesce(sum(bytes), 0) FROM segments
          EXCEPT SELECT segments, bytes FROM segment_totals))
)sql");
  add_counted(StoreFault::totals_mismatch, "room_totals", wrong_totals, "total",
              "totals",
              "disagree with the segment rows", R"sql(
DELETE FROM room_totals;
INSERT INTO room_totals (room, segments, bytes)
  SELECT u.room, count(*), sum(coalesce(s.bytes, 0))
  FROM segment_uses u LEFT JOIN segments s ON s.id = u.segment GROUP BY u.room;
DELETE FROM segment_totals;
INSERT INTO segment_totals (id, segments, bytes)
  SELECT 0, count(*), coalesce(sum(bytes), 0) FROM segments;
)sql",
              "recomputed");
}

/// Removals a crash interrupted are finished by a repair, counted otherwise.
void StoreChecker::finish_pending_removals() {
  if (repair_ && !impl_.options.read_only)
    report_.pending_removals = impl_.finish_all_removals();
  else
    report_.pending_removals =
        static_cast<std::int64_t>(impl_.pending_removal_files().size());
}

/// Rows whose file is missing or of the wrong size.
void StoreChecker::scan_rows(std::vector<Suspect> &suspects) {
  auto total = db_.query_integer("SELECT count(*) FROM segments");
  auto &rows = db_.statement(
      "SELECT s.infohash, s.ext, s.bytes, EXISTS (SELECT 1 FROM "
      "segment_uses u JOIN rooms r ON r.id = u.room "
      "WHERE u.segment = s.id AND r.pinned != 0) FROM segments s");
  while (rows.step()) {
    if (report_.segments % 4096 == 0) {
      if (stop_requested()) {
        rows.reset();
        throw Error(Exit::interrupted, impl_.folder.string(), "check stopped");
      }
      report_progress("rows", report_.segments, total);
    }
    report_.segments += 1;
    auto key = rows.blob(0);
    Suspect row{StoreFault::missing_file,
                segment_file_name(to_hex(key), "." + rows.text(1)), key,
                static_cast<std::uint64_t>(rows.integer(2)),
                rows.integer(3) != 0};
    auto size = size_on_disk(impl_.absolute(row.file));
    if (!size)
      suspects.push_back(row);
    else if (*size != row.bytes) {
      row.fault = StoreFault::size_mismatch;
      suspects.push_back(row);
    }
  }
  rows.reset();
}

/// Files without a row (and not waiting for their unlink), and stale
/// temporary files.
void StoreChecker::scan_files(std::vector<Suspect> &suspects) {
  auto pending = sorted_pending_removals(impl_);
  std::error_code ec;
  auto top = impl_.folder / store_segments_folder;
  for (fs::recursive_directory_iterator it(top, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory())
      continue;
    if (report_.files % 4096 == 0) {
      if (stop_requested())
        throw Error(Exit::interrupted, impl_.folder.string(), "check stopped");
      report_progress("files", report_.files, -1);
    }
    report_.files += 1;
    auto name = it->path().filename().string();
    auto relative = it->path().lexically_relative(impl_.folder).string();
    if (is_temporary_name(it->path())) {
      if (!temporary_in_use(it->path(), name))
        suspects.push_back({StoreFault::stale_temporary, relative, "", 0, false});
      continue;
    }
    if (!file_is_owned(impl_, pending, relative))
      suspects.push_back({StoreFault::orphan_file, relative, "", 0, false});
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(Exit::io, top.string(), ec.message());
}

/// Deep check: every file whose size is right is hashed against what a
/// record of one of its uses says it holds. Rows are read a window at a
/// time and hashed with no statement open, so no read transaction lasts
/// as long as the hashing of the whole store.
void StoreChecker::hash_files(std::vector<Suspect> &suspects) {
  std::vector<std::string> known;
  for (const auto &suspect : suspects)
    known.push_back(suspect.file);
  std::sort(known.begin(), known.end());
  auto total = db_.query_integer("SELECT count(*) FROM segments");
  constexpr std::int64_t window = 256;
  std::int64_t after = 0, done = 0;
  std::uint64_t bytes_hashed = 0;
  for (;;) {
    std::vector<Suspect> rows;
    std::vector<std::optional<std::string>> records;
    auto &query = db_.statement(
        "SELECT s.id, s.infohash, s.ext, s.bytes, EXISTS (SELECT 1 FROM "
        "segment_uses u JOIN rooms r ON r.id = u.room "
        "WHERE u.segment = s.id AND r.pinned != 0), "
        "(SELECT r.record FROM segment_uses u JOIN records r "
        " ON r.room = u.room AND r.seq = u.seq WHERE u.segment = s.id "
        " ORDER BY u.room, u.seq LIMIT 1) "
        "FROM segments s WHERE s.id > ?1 ORDER BY s.id LIMIT ?2");
    query.bind(1, after).bind(2, window);
    while (query.step()) {
      after = query.integer(0);
      auto key = query.blob(1);
      rows.push_back({StoreFault::corrupt_file,
                      segment_file_name(to_hex(key), "." + query.text(2)),
                      key, static_cast<std::uint64_t>(query.integer(3)),
                      query.integer(4) != 0});
      records.push_back(query.is_null(5) ? std::nullopt
                                         : std::optional(query.blob(5)));
    }
    query.reset();
    if (rows.empty())
      return;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (stop_requested())
        throw Error(Exit::interrupted, impl_.folder.string(), "check stopped");
      auto &row = rows[i];
      report_progress("hashing", done++, total, bytes_hashed);
      if (std::binary_search(known.begin(), known.end(), row.file))
        continue; // missing or of the wrong size: reported already
      auto expected =
          records[i] ? expected_content(*records[i], row.infohash) : std::nullopt;
      if (!expected) {
        report_.unverifiable += 1;
        continue;
      }
      row.pieces_root = expected->second;
      report_.hashed += 1;
      bytes_hashed += row.bytes;
      if (expected->first != row.bytes ||
          !file_hashes_to(impl_.absolute(row.file), row.bytes, row.pieces_root))
        suspects.push_back(row);
    }
  }
}

/// Each suspect again, under the write lock, where no add or removal is
/// halfway: what is still wrong is reported (and with repair, fixed).
void StoreChecker::confirm(const std::vector<Suspect> &suspects) {
  std::vector<std::string> removals;
  std::optional<std::int64_t> removal;
  {
    sqlite::WriteTransaction transaction(db_);
    auto pending = sorted_pending_removals(impl_);
    auto &row = db_.statement(
        "SELECT bytes, ext FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    auto &drop =
        db_.statement("DELETE FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    for (const auto &suspect : suspects) {
      auto path = impl_.absolute(suspect.file);
      auto size = size_on_disk(path);
      StoreProblem problem{suspect.fault, suspect.file, "", suspect.pinned,
                           false};
      switch (suspect.fault) {
      case StoreFault::missing_file:
      case StoreFault::size_mismatch:
      case StoreFault::corrupt_file: {
        row.reset();
        row.bind_blob(1, suspect.infohash);
        if (!row.step())
          continue; // removed meanwhile
        auto bytes = static_cast<std::uint64_t>(row.integer(0));
        bool same_file = segment_file_name(to_hex(suspect.infohash),
                                           "." + row.text(1)) == suspect.file;
        row.reset();
        if (!same_file)
          continue; // removed and added again meanwhile
        if (!size)
          problem.fault = StoreFault::missing_file;
        else if (*size != bytes)
          problem.fault = StoreFault::size_mismatch;
        else if (suspect.fault != StoreFault::corrupt_file ||
                 file_hashes_to(path, bytes, suspect.pieces_root))
          continue; // whole again (re-added meanwhile)
        problem.detail =
            problem.fault == StoreFault::missing_file
                ? std::string("the file is missing")
            : problem.fault == StoreFault::size_mismatch
                ? fmt::format("{} bytes on disk, {} in the database", *size,
                              bytes)
                : std::string("its bytes do not hash to its infohash");
        if (repair_) {
          drop.reset();
          drop.bind_blob(1, suspect.infohash).run();
          if (size)
            removals.push_back(suspect.file);
          problem.repaired = true;
          problem.detail += suspect.pinned ? "; row dropped (pinned data lost)"
                                           : "; row dropped";
        }
        break;
      }
      case StoreFault::orphan_file: {
        if (!size)
          continue;
        bool owned = file_is_owned(impl_, pending, suspect.file);
        if (owned)
          continue;
        problem.detail = fmt::format("{} bytes, no row refers to it", *size);
        // No row refers to it and adds rename only under this lock: safe.
        if (repair_ && ::unlink(path.c_str()) == 0) {
          problem.repaired = true;
          problem.detail += "; removed";
        }
        break;
      }
      case StoreFault::stale_temporary:
        if (!size)
          continue;
        problem.detail = "left by a program that stopped";
        if (repair_ && ::unlink(path.c_str()) == 0) {
          problem.repaired = true;
          problem.detail += "; removed";
        }
        break;
      case StoreFault::integrity:
      case StoreFault::totals_mismatch:
      case StoreFault::duplicate_row:
      case StoreFault::dangling_use:
      case StoreFault::unused_segment:
        break;
      }
      report_.problems.push_back(std::move(problem));
    }
    if (!removals.empty())
      removal = impl_.note_removals(removals);
    transaction.commit();
  }
  if (removal)
    impl_.finish_removals(*removal);
}

} // namespace

CheckReport Store::check(const CheckOptions &options) {
  if (options.repair)
    impl_->require_writable();
  return StoreChecker(*impl_, options).run();
}

CheckReport Store::check(bool repair) {
  CheckOptions options;
  options.repair = repair;
  return check(options);
}

} // namespace hlswarm
