// Store::check: find (and with repair, fix) what a crash or a hand left
// behind. Rows and files are first scanned without the write lock, which
// can take seconds on a big store; each suspect is then looked at again
// under the lock, where no add or removal is halfway, so programs running
// at the same time are never reported as faults.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
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
};

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
  }
  return "unknown";
}

bool CheckReport::consistent() const {
  for (const auto &problem : problems)
    if (!problem.repaired)
      return false;
  return true;
}

CheckReport Store::check(bool repair) {
  auto &impl = *impl_;
  auto &db = *impl.db;
  if (repair)
    impl.require_writable();
  CheckReport report;

  // The database itself first: if it is damaged, nothing else is certain.
  {
    auto &query = db.statement("PRAGMA integrity_check");
    while (query.step()) {
      auto line = query.text(0);
      if (line != "ok")
        report.problems.push_back(
            {StoreFault::integrity, "store.db", line, false, false});
    }
    query.reset();
    auto &keys = db.statement("PRAGMA foreign_key_check");
    while (keys.step())
      report.problems.push_back(
          {StoreFault::integrity, "store.db",
           fmt::format("row {} of {} refers to a missing {} row",
                       keys.integer(1), keys.text(0), keys.text(2)),
           false, false});
    keys.reset();
  }
  if (!report.problems.empty())
    return report; // repairing files against a broken index would do harm

  // Infohashes are unique by the writers' rule, not by an index.
  auto duplicates = db.query_integer(
      "SELECT count(*) FROM (SELECT 1 FROM segments GROUP BY infohash "
      "HAVING count(*) > 1)");
  if (duplicates > 0) {
    StoreProblem problem{StoreFault::duplicate_row, "segments",
                         fmt::format("{} infohash{} stored in more than one row",
                                     duplicates, duplicates == 1 ? "" : "es"),
                         false, false};
    if (repair) {
      // The first row stays and takes over the others' uses; the others go
      // (a file only they named is an orphan for the file scan below).
      sqlite::WriteTransaction transaction(db);
      db.execute(R"sql(
UPDATE segment_uses SET segment = (
  SELECT min(k.id) FROM segments d JOIN segments k ON k.infohash = d.infohash
  WHERE d.id = segment_uses.segment)
WHERE segment IN (SELECT id FROM segments WHERE id NOT IN
                  (SELECT min(id) FROM segments GROUP BY infohash));
DELETE FROM segments WHERE id NOT IN
  (SELECT min(id) FROM segments GROUP BY infohash);
)sql");
      transaction.commit();
      problem.repaired = true;
      problem.detail += "; later rows dropped";
    }
    report.problems.push_back(std::move(problem));
  }

  // Uses of a segment row that is gone. Writers delete a segment's uses
  // with it (in one transaction), so only a hand or a bug leaves one.
  auto dangling = db.query_integer(
      "SELECT count(*) FROM segment_uses u "
      "WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.id = u.segment)");
  if (dangling > 0) {
    StoreProblem problem{StoreFault::dangling_use, "segment_uses",
                         fmt::format("{} use{} of a segment that is not stored",
                                     dangling, dangling == 1 ? "" : "s"),
                         false, false};
    if (repair) {
      sqlite::WriteTransaction transaction(db);
      db.execute("DELETE FROM segment_uses WHERE NOT EXISTS "
                 "(SELECT 1 FROM segments s WHERE s.id = segment_uses.segment)");
      transaction.commit();
      problem.repaired = true;
      problem.detail += "; dropped";
    }
    report.problems.push_back(std::move(problem));
  }

  // Segments no room uses: stored for nothing, and no room's totals count
  // them. Writers add a segment with its first use and remove it with its
  // last, in one transaction, so a snapshot never shows one halfway; the
  // repair looks again under the write lock.
  {
    std::optional<sqlite::WriteTransaction> transaction;
    if (repair)
      transaction.emplace(db);
    auto &unused = db.statement(
        "SELECT s.id, s.infohash, s.ext, s.bytes FROM segments s "
        "WHERE NOT EXISTS (SELECT 1 FROM segment_uses u WHERE u.segment = s.id)");
    std::vector<std::pair<std::int64_t, std::string>> found;
    while (unused.step()) {
      auto file = segment_file_name(to_hex(unused.blob(1)),
                                    "." + unused.text(2));
      report.problems.push_back(
          {StoreFault::unused_segment, file,
           fmt::format("{} bytes, no room uses it", unused.integer(3)), false,
           false});
      found.emplace_back(unused.integer(0), std::move(file));
    }
    unused.reset();
    if (transaction && !found.empty()) {
      auto &drop = db.statement("DELETE FROM segments WHERE id = ?1");
      std::vector<std::string> files;
      for (std::size_t i = 0; i < found.size(); ++i) {
        drop.reset();
        drop.bind(1, found[i].first).run();
        files.push_back(found[i].second);
        auto &problem = report.problems[report.problems.size() - found.size() + i];
        problem.repaired = true;
        problem.detail += "; removed";
      }
      auto removal = impl.note_removals(files);
      transaction->commit();
      transaction.reset();
      impl.finish_removals(removal);
    }
  }

  // The per-room totals (uses, and the bytes of their files) and the
  // store's, from one snapshot (the triggers that keep them run in the
  // writer's transaction, so a snapshot is always consistent).
  auto wrong_totals = db.query_integer(R"sql(
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
  if (wrong_totals > 0) {
    StoreProblem problem{StoreFault::totals_mismatch, "room_totals",
                         fmt::format("{} total{} disagree with the segment rows",
                                     wrong_totals, wrong_totals == 1 ? "" : "s"),
                         false, false};
    if (repair) {
      sqlite::WriteTransaction transaction(db);
      db.execute(R"sql(
DELETE FROM room_totals;
INSERT INTO room_totals (room, segments, bytes)
  SELECT u.room, count(*), sum(coalesce(s.bytes, 0))
  FROM segment_uses u LEFT JOIN segments s ON s.id = u.segment GROUP BY u.room;
DELETE FROM segment_totals;
INSERT INTO segment_totals (id, segments, bytes)
  SELECT 0, count(*), coalesce(sum(bytes), 0) FROM segments;
)sql");
      transaction.commit();
      problem.repaired = true;
      problem.detail += "; recomputed";
    }
    report.problems.push_back(std::move(problem));
  }

  if (repair && !impl.options.read_only)
    report.pending_removals = impl.finish_all_removals();
  else
    report.pending_removals =
        static_cast<std::int64_t>(impl.pending_removal_files().size());

  std::vector<Suspect> suspects;
  // Rows whose file is missing or of the wrong size.
  {
    auto &rows = db.statement(
        "SELECT s.infohash, s.ext, s.bytes, EXISTS (SELECT 1 FROM "
        "segment_uses u JOIN rooms r ON r.id = u.room "
        "WHERE u.segment = s.id AND r.pinned != 0) FROM segments s");
    while (rows.step()) {
      if (report.segments % 4096 == 0 && stop_requested()) {
        rows.reset();
        throw Error(Exit::interrupted, impl.folder.string(), "check stopped");
      }
      report.segments += 1;
      auto key = rows.blob(0);
      Suspect row{StoreFault::missing_file,
                  segment_file_name(to_hex(key), "." + rows.text(1)), key,
                  static_cast<std::uint64_t>(rows.integer(2)),
                  rows.integer(3) != 0};
      auto size = size_on_disk(impl.absolute(row.file));
      if (!size)
        suspects.push_back(row);
      else if (*size != row.bytes) {
        row.fault = StoreFault::size_mismatch;
        suspects.push_back(row);
      }
    }
    rows.reset();
  }
  // Files without a row (and not waiting for their unlink), and stale
  // temporary files.
  {
    auto pending = sorted_pending_removals(impl);
    std::error_code ec;
    auto top = impl.folder / "segments";
    for (fs::recursive_directory_iterator it(top, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_directory())
        continue;
      if (report.files % 4096 == 0 && stop_requested())
        throw Error(Exit::interrupted, impl.folder.string(), "check stopped");
      report.files += 1;
      auto name = it->path().filename().string();
      auto relative = it->path().lexically_relative(impl.folder).string();
      if (is_temporary_name(it->path())) {
        if (!temporary_in_use(it->path(), name))
          suspects.push_back({StoreFault::stale_temporary, relative, "", 0, false});
        continue;
      }
      if (!file_is_owned(impl, pending, relative))
        suspects.push_back({StoreFault::orphan_file, relative, "", 0, false});
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
      throw Error(Exit::io, top.string(), ec.message());
  }
  if (suspects.empty())
    return report;

  // Each suspect again, under the write lock.
  std::vector<std::string> removals;
  std::optional<std::int64_t> removal;
  {
    sqlite::WriteTransaction transaction(db);
    auto pending = sorted_pending_removals(impl);
    auto &row = db.statement("SELECT bytes, ext FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    auto &drop = db.statement("DELETE FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    for (const auto &suspect : suspects) {
      auto path = impl.absolute(suspect.file);
      auto size = size_on_disk(path);
      StoreProblem problem{suspect.fault, suspect.file, "", suspect.pinned,
                           false};
      switch (suspect.fault) {
      case StoreFault::missing_file:
      case StoreFault::size_mismatch: {
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
        if (size && *size == bytes)
          continue; // whole again (re-added meanwhile)
        problem.fault =
            size ? StoreFault::size_mismatch : StoreFault::missing_file;
        problem.detail =
            size ? fmt::format("{} bytes on disk, {} in the database", *size,
                               bytes)
                 : std::string("the file is missing");
        if (repair) {
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
        bool owned = file_is_owned(impl, pending, suspect.file);
        if (owned)
          continue;
        problem.detail = fmt::format("{} bytes, no row refers to it", *size);
        // No row refers to it and adds rename only under this lock: safe.
        if (repair && ::unlink(path.c_str()) == 0) {
          problem.repaired = true;
          problem.detail += "; removed";
        }
        break;
      }
      case StoreFault::stale_temporary:
        if (!size)
          continue;
        problem.detail = "left by a program that stopped";
        if (repair && ::unlink(path.c_str()) == 0) {
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
      report.problems.push_back(std::move(problem));
    }
    if (!removals.empty())
      removal = impl.note_removals(removals);
    transaction.commit();
  }
  if (removal)
    impl.finish_removals(*removal);
  return report;
}

} // namespace hlswarm
