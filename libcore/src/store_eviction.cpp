// Store::collect_garbage: evict segments by idle age and size quota.
//
// The walk follows the index segments_by_use (least recently used first)
// in batches, so memory stays bounded whatever the store's size, and each
// batch is one write transaction, so programs adding segments at the same
// time wait a fraction of a second, not the length of the whole run.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <limits>
#include <unistd.h>
#include <unordered_map>

#include <fmt/format.h>

#include "hlswarm/error.hpp"
#include "hlswarm/signals.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace {

/// Rows read and removed per transaction. Evicted rows are scattered over
/// the infohash index (and, for old rows requested lately, the table), so
/// each transaction rewrites about one page per row up to the whole index:
/// fewer, larger transactions write far less. This size keeps the write
/// lock to a fraction of a second, well inside other programs' busy
/// timeout.
constexpr std::int64_t batch_size = 32768;

/// The page cache while evicting, in KiB: room for one batch's pages.
constexpr int gc_cache_kib = 64 * 1024;

/// Unlinks segment files relative to the store folder, through descriptors
/// of their fan-out folders (no path walk from the root for each file).
/// Touches no SQLite state, so it may run on a second thread.
class FileUnlinker {
public:
  explicit FileUnlinker(std::filesystem::path folder) : folder_(std::move(folder)) {}
  ~FileUnlinker() {
    for (auto &[name, fd] : folders_)
      if (fd >= 0)
        ::close(fd);
  }
  FileUnlinker(const FileUnlinker &) = delete;
  FileUnlinker &operator=(const FileUnlinker &) = delete;

  /// For each file: gone now (unlinked, or missing already)?
  std::vector<char> unlink_all(const std::vector<std::string> &files) {
    std::vector<char> gone;
    gone.reserve(files.size());
    for (const auto &file : files) {
      auto slash = file.rfind('/');
      int dir = slash == std::string::npos ? AT_FDCWD
                                           : folder_fd(file.substr(0, slash));
      int rc = dir >= 0 ? ::unlinkat(dir, file.c_str() + slash + 1, 0)
                        : ::unlink((folder_ / file).c_str());
      gone.push_back(rc == 0 || errno == ENOENT);
    }
    return gone;
  }

private:
  int folder_fd(const std::string &relative) {
    auto [at, added] = folders_.try_emplace(relative, -1);
    if (added)
      at->second = ::open((folder_ / relative).c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return at->second;
  }

  std::filesystem::path folder_;
  std::unordered_map<std::string, int> folders_;
};

struct Candidate {
  std::int64_t id = 0;
  std::string file;
  Eviction eviction;
};

// Candidates of one class (followed creators or not), unpinned, least
// recently used first, after the cursor (used, id).
constexpr const char *candidates_sql = R"sql(
SELECT s.id, s.infohash, s.ext, s.bytes, coalesce(s.last_requested, s.added),
       r.creator, r.name, s.seq
FROM segments s JOIN rooms r ON r.id = s.room
WHERE r.pinned = 0
  AND coalesce((SELECT c.followed FROM creators c WHERE c.pk = r.creator), 0) = ?3
  AND coalesce(s.last_requested, s.added) >= ?1
  AND (coalesce(s.last_requested, s.added), s.id) > (?1, ?2)
ORDER BY coalesce(s.last_requested, s.added), s.id
LIMIT ?4
)sql";

// The row is deleted only if it is still unpinned and nobody asked for it
// since it was chosen: a program may have done either meanwhile. (A
// correlated lookup of the room: "room IN (SELECT ...)" would build a
// temporary index of all rooms for every row deleted.)
constexpr const char *evict_sql = R"sql(
DELETE FROM segments
WHERE id = ?1 AND coalesce(last_requested, added) = ?2
  AND (SELECT pinned FROM rooms WHERE rooms.id = segments.room) = 0
)sql";

} // namespace

GcReport Store::collect_garbage(
    const GcPolicy &policy,
    const std::function<void(const Eviction &)> &evicted) {
  auto &impl = *impl_;
  auto &db = *impl.db;
  if (!policy.dry_run)
    impl.require_writable();
  if (!policy.dry_run)
    impl.finish_all_removals();
  // A batch dirties up to a page per evicted row; with SQLite's default
  // 2 MiB cache those pages would spill to the WAL and be written again and
  // again within one transaction. And as batches rewrite many of the same
  // index pages, checkpointing after each would copy them into store.db
  // again and again: one checkpoint at the end copies each page once.
  struct GcConnectionSettings {
    sqlite::Database &db;
    bool writing;
    GcConnectionSettings(sqlite::Database &database, bool write)
        : db(database), writing(write) {
      db.execute(fmt::format("PRAGMA cache_size = -{}", gc_cache_kib));
      if (writing)
        db.execute("PRAGMA wal_autocheckpoint = 0");
    }
    ~GcConnectionSettings() {
      try {
        db.execute("PRAGMA cache_size = -2000"); // SQLite's default
        if (writing)
          db.execute("PRAGMA wal_autocheckpoint = 1000; "
                     "PRAGMA wal_checkpoint(PASSIVE)");
      } catch (const Error &) {
        // A busy checkpoint is only postponed: the next commit retries it.
      }
    }
  } settings{db, !policy.dry_run};

  // The size of each class, from the per-room totals that triggers keep:
  // reading a row per room, not per segment.
  SegmentTally total, pinned, followed;
  {
    auto &query = db.statement(R"sql(
SELECT r.pinned, coalesce(c.followed, 0), t.segments, t.bytes
FROM room_totals t
JOIN rooms r ON r.id = t.room
LEFT JOIN creators c ON c.pk = r.creator
)sql");
    while (query.step()) {
      SegmentTally room{query.integer(2),
                        static_cast<std::uint64_t>(query.integer(3))};
      total.count += room.count;
      total.bytes += room.bytes;
      if (query.integer(0) != 0) {
        pinned.count += room.count;
        pinned.bytes += room.bytes;
      } else if (query.integer(1) != 0) {
        followed.count += room.count;
        followed.bytes += room.bytes;
      }
    }
    query.reset();
  }

  GcReport report;
  std::uint64_t remaining = total.bytes;
  std::optional<UnixSeconds> idle_before;
  if (policy.max_idle)
    idle_before = impl.now() - policy.max_idle->count();
  auto over_size = [&] {
    return policy.max_size && remaining > *policy.max_size;
  };

  // Files of rows deleted by the previous batch, still to unlink. They go
  // in the next batch's transaction, on a second thread while this one
  // deletes the next rows: unlinking is as costly as the database work,
  // and rule 3 of the store (files change only under the write lock) holds.
  FileUnlinker unlinker(impl.folder);
  std::vector<std::string> unlink_pending;
  auto start_unlinking = [&] {
    return std::async(std::launch::async,
                      [&unlinker, files = std::move(unlink_pending)]() mutable {
                        auto gone = unlinker.unlink_all(files);
                        return std::make_pair(std::move(files), std::move(gone));
                      });
  };
  auto finish_unlinking = [&](auto &unlinking) {
    auto [files, gone] = unlinking.get();
    auto &done = db.statement("DELETE FROM removals WHERE file = ?1");
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!gone[i])
        continue; // stays in removals; check/repair reports and retries it
      done.reset();
      done.bind(1, files[i]).run();
    }
  };

  for (int followed_class = 0; followed_class <= 1; ++followed_class) {
    // Followed creators' segments are exempt from the idle age.
    if (report.interrupted || (followed_class == 1 && !over_size()))
      break;
    UnixSeconds cursor_used = std::numeric_limits<UnixSeconds>::min();
    std::int64_t cursor_id = std::numeric_limits<std::int64_t>::min();
    bool done = false;
    while (!done) {
      if (stop_requested()) {
        report.interrupted = true;
        break;
      }
      std::vector<Candidate> batch;
      {
        auto &query = db.statement(candidates_sql);
        query.bind(1, cursor_used)
            .bind(2, cursor_id)
            .bind(3, followed_class)
            .bind(4, batch_size);
        while (query.step()) {
          Candidate candidate;
          candidate.id = query.integer(0);
          auto &e = candidate.eviction;
          e.infohash = infohash_hex(query.blob(1));
          candidate.file = segment_file_name(e.infohash, "." + query.text(2));
          e.bytes = static_cast<std::uint64_t>(query.integer(3));
          e.last_used = query.integer(4);
          e.creator = query.text(5);
          e.room = query.text(6);
          e.seq = query.integer(7);
          e.followed = followed_class == 1;
          batch.push_back(std::move(candidate));
        }
        query.reset();
      }
      if (batch.size() < static_cast<std::size_t>(batch_size))
        done = true;
      if (!batch.empty()) {
        cursor_used = batch.back().eviction.last_used;
        cursor_id = batch.back().id;
      }

      // Choose from this batch; the order makes the choice a prefix.
      std::size_t chosen = 0;
      for (; chosen < batch.size(); ++chosen) {
        auto &e = batch[chosen].eviction;
        bool idle = followed_class == 0 && idle_before &&
                    e.last_used < *idle_before;
        if (!idle && !over_size()) {
          done = true;
          break;
        }
        e.reason = idle ? EvictionReason::idle : EvictionReason::size;
        remaining -= std::min(remaining, e.bytes);
      }
      batch.resize(chosen);
      if (batch.empty())
        continue;

      auto count_removed = [&](const Eviction &e) {
        report.removed.count += 1;
        report.removed.bytes += e.bytes;
        if (e.followed) {
          followed.count -= 1;
          followed.bytes -= std::min(followed.bytes, e.bytes);
        }
        if (evicted)
          evicted(e);
      };
      if (policy.dry_run) {
        for (const auto &candidate : batch)
          count_removed(candidate.eviction);
        continue;
      }

      std::vector<const Candidate *> removed;
      {
        sqlite::WriteTransaction transaction(db);
        auto unlinking = start_unlinking();
        unlink_pending = {};
        auto &evict = db.statement(evict_sql);
        auto &remember = db.statement(
            "INSERT INTO removals (file) VALUES (?1) ON CONFLICT DO NOTHING");
        for (const auto &candidate : batch) {
          evict.reset();
          evict.bind(1, candidate.id)
              .bind(2, candidate.eviction.last_used)
              .run();
          if (db.changes() == 0) {
            // Requested or pinned meanwhile: it stays, and counts again.
            remaining += candidate.eviction.bytes;
            continue;
          }
          remember.reset();
          remember.bind(1, candidate.file).run();
          removed.push_back(&candidate);
        }
        finish_unlinking(unlinking);
        transaction.commit();
      }
      for (const auto *candidate : removed) {
        unlink_pending.push_back(candidate->file);
        count_removed(candidate->eviction);
      }
    }
  }
  if (!unlink_pending.empty()) {
    sqlite::WriteTransaction transaction(db);
    auto unlinking = start_unlinking();
    finish_unlinking(unlinking);
    transaction.commit();
  }

  report.kept.count = total.count - report.removed.count;
  report.kept.bytes = total.bytes - std::min(total.bytes, report.removed.bytes);
  report.pinned = pinned;
  report.followed = followed;
  report.over_quota = over_size() && !report.interrupted;
  return report;
}

} // namespace hlswarm
