// Store::collect_garbage: evict segment files by idle age and size quota.
//
// A file is the unit of eviction, whichever rooms use it; its class is that
// of its most protective use (pinned, else followed, else neither), so a
// file that a pinned room shares with an unpinned one is never evicted.
//
// The walk follows the index segments_by_use (least recently used first)
// in batches, so memory stays bounded whatever the store's size, and each
// batch is one write transaction, so programs adding segments at the same
// time wait a fraction of a second, not the length of the whole run.
//
// Files are unlinked on a second thread (unlinking costs about as much as
// all the database work), only after the deletion of their rows is durable
// (a crash leaves a pending removal to finish, never a row without its
// file), and only under the write lock, after checking that no row owns the
// name again: an add of the same content between two batches takes it back.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace {

/// Rows read (and at most removed) per transaction. Evicted rows are scattered over
/// the infohash index (and, for old rows requested lately, the table), so
/// each transaction rewrites about one page per row up to the whole index:
/// fewer, larger transactions write far less. This size keeps the write
/// lock to a fraction of a second, well inside other programs' busy
/// timeout.
constexpr std::int64_t batch_size = 32768;

/// The page cache while evicting, in KiB: room for one batch's pages.
constexpr int gc_cache_kib = 64 * 1024;

/// A file whose row is deleted, to unlink, and the pending removal (a row
/// of pending_removals) that lists it.
struct PendingFile {
  std::string file;
  std::int64_t removal = 0;
};

/// Unlinks segment files relative to the store folder on a thread of its
/// own, through descriptors of their fan-out folders (no path walk from the
/// root for each file), until it has done them all or is told to stop.
/// Touches no SQLite state.
class BackgroundUnlinker {
public:
  explicit BackgroundUnlinker(std::filesystem::path folder)
      : folder_(std::move(folder)) {}
  ~BackgroundUnlinker() {
    stop();
    for (auto &[name, fd] : folders_)
      if (fd >= 0)
        ::close(fd);
  }
  BackgroundUnlinker(const BackgroundUnlinker &) = delete;
  BackgroundUnlinker &operator=(const BackgroundUnlinker &) = delete;

  /// Starts unlinking `files`, in order.
  void start(std::vector<PendingFile> files) {
    files_ = std::move(files);
    gone_.clear();
    gone_.reserve(files_.size()); // no allocation (nor bad_alloc) on the thread
    stop_ = false;
    thread_ = std::thread([this] {
      for (const auto &pending : files_) {
        if (stop_.load(std::memory_order_relaxed))
          break;
        gone_.push_back(unlink_file(pending.file));
      }
    });
  }

  /// Stops the thread after the file at hand and waits for it, if it runs.
  void stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
    }
  }

  struct Outcome {
    std::vector<PendingFile> gone;        ///< unlinked, or missing already
    std::vector<PendingFile> not_reached; ///< stopped before these
  };
  /// Waits for the thread: until it has done every file (`Finish::all`),
  /// or only for the file at hand (`Finish::soon`). A file whose unlink
  /// failed is in neither list: it stays a pending removal.
  enum class Finish { all, soon };
  Outcome finish(Finish how) {
    Outcome outcome;
    if (!thread_.joinable())
      return outcome;
    if (how == Finish::soon)
      stop_ = true;
    thread_.join();
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (i >= gone_.size())
        outcome.not_reached.push_back(std::move(files_[i]));
      else if (gone_[i])
        outcome.gone.push_back(std::move(files_[i]));
    }
    return outcome;
  }

private:
  bool unlink_file(const std::string &file) {
    auto slash = file.rfind('/');
    int dir = slash == std::string::npos ? AT_FDCWD
                                         : folder_fd(file.substr(0, slash));
    int rc = dir >= 0 ? ::unlinkat(dir, file.c_str() + slash + 1, 0)
                      : ::unlink((folder_ / file).c_str());
    return rc == 0 || errno == ENOENT;
  }

  int folder_fd(const std::string &relative) {
    auto [at, added] = folders_.try_emplace(relative, -1);
    if (added)
      at->second = ::open((folder_ / relative).c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return at->second;
  }

  std::filesystem::path folder_;
  std::unordered_map<std::string, int> folders_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::vector<PendingFile> files_;
  std::vector<char> gone_; ///< for each file reached: gone now?
};

// The protection class of every room that has one: 3 or 2 if pinned (3
// if its creator is followed too), 1 if its creator is followed. Rebuilt
// for each batch, as other programs may pin or follow meanwhile. With it,
// a candidate's class is one small lookup per use instead of a room and a
// creator lookup (a 64-character key) per use.
constexpr const char *room_class_table_sql =
    "CREATE TEMP TABLE IF NOT EXISTS gc_room_class "
    "(room INTEGER PRIMARY KEY, class INTEGER NOT NULL)";
constexpr const char *room_class_sql = R"sql(
DELETE FROM temp.gc_room_class;
INSERT INTO temp.gc_room_class (room, class)
SELECT r.id, 2 * (r.pinned != 0) + coalesce(c.followed != 0, 0)
FROM rooms r LEFT JOIN creators c ON c.pk = r.creator
WHERE r.pinned != 0 OR c.followed != 0;
)sql";

// The next segments after the cursor (used, id), least recently used
// first, at most ?3 of them, each with its class: 0 if no pinned room and
// no followed creator's room uses the file (a file no room uses included),
// 1 if a followed creator's room and no pinned room does, 2 or 3 if a
// pinned room does. A window of rows, not of candidates: the scan runs
// under the write lock, and in a store of mostly pinned files a scan for
// a batch of candidates could hold it for seconds.
constexpr const char *window_sql = R"sql(
SELECT s.id, s.infohash, s.ext, s.bytes, s.used,
       coalesce((SELECT max(c.class) FROM segment_uses u
                 JOIN temp.gc_room_class c ON c.room = u.room
                 WHERE u.segment = s.id), 0)
FROM (SELECT id, infohash, ext, bytes, coalesce(last_requested, added) AS used
      FROM segments
      WHERE coalesce(last_requested, added) >= ?1
        AND (coalesce(last_requested, added), id) > (?1, ?2)
      ORDER BY coalesce(last_requested, added), id LIMIT ?3) s
ORDER BY s.used, s.id
)sql";

// The uses of a segment in order (for the report: the first, and how many);
// the index segment_uses_by_segment covers it.
constexpr const char *uses_sql =
    "SELECT room, seq FROM segment_uses WHERE segment = ?1 ORDER BY room, seq";

// A batch's rows are deleted in one statement, from the chosen rows listed
// in gc_batch: the triggers that delete a segment's uses and keep the
// totals make SQLite keep a statement journal of every page a statement
// changes, and one DELETE per row would write ~60 KiB of journal per row.
// The rows were chosen in the same write transaction, so none can have
// been requested, pinned or followed since. Trigger segments_unused
// deletes their uses.
constexpr const char *batch_table_sql =
    "CREATE TEMP TABLE IF NOT EXISTS gc_batch (id INTEGER PRIMARY KEY)";
constexpr const char *evict_sql =
    "DELETE FROM segments WHERE id IN (SELECT id FROM temp.gc_batch)";

// The store's size, from the totals that triggers keep: one row.
constexpr const char *total_tally_sql =
    "SELECT coalesce(sum(segments), 0), coalesce(sum(bytes), 0) "
    "FROM segment_totals";

// Files some pinned room uses; files some followed creator's room and no
// pinned room uses.
constexpr const char *pinned_tally_sql = R"sql(
SELECT count(*), coalesce(sum(bytes), 0) FROM segments
WHERE id IN (SELECT u.segment FROM segment_uses u
             JOIN rooms r ON r.id = u.room WHERE r.pinned != 0)
)sql";
constexpr const char *followed_tally_sql = R"sql(
SELECT count(*), coalesce(sum(bytes), 0) FROM segments
WHERE id IN (SELECT u.segment FROM segment_uses u
             JOIN rooms r ON r.id = u.room
             JOIN creators c ON c.pk = r.creator
             WHERE c.followed != 0 AND r.pinned = 0)
  AND id NOT IN (SELECT u.segment FROM segment_uses u
                 JOIN rooms r ON r.id = u.room WHERE r.pinned != 0)
)sql";

/// Settings of the connection while evicting, put back at the end. A batch
/// dirties up to a page per evicted row; with SQLite's default 2 MiB cache
/// those pages would spill to the WAL and be written again and again within
/// one transaction. And as batches rewrite many of the same index pages,
/// checkpointing after each would copy them into store.db again and again:
/// one checkpoint at the end copies each page once.
class GcConnectionSettings {
public:
  GcConnectionSettings(sqlite::Database &db, bool writing)
      : db_(db), writing_(writing) {
    db_.execute(fmt::format("PRAGMA cache_size = -{}", gc_cache_kib));
    db_.execute(room_class_table_sql);
    if (writing_) {
      db_.execute("PRAGMA wal_autocheckpoint = 0");
      db_.execute(batch_table_sql);
    }
  }
  ~GcConnectionSettings() {
    try {
      db_.execute("PRAGMA cache_size = -2000"); // SQLite's default
      if (writing_)
        db_.execute("PRAGMA wal_autocheckpoint = 1000; "
                    "PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const Error &) {
      // A busy checkpoint is only postponed: the next commit retries it.
    }
  }
  GcConnectionSettings(const GcConnectionSettings &) = delete;
  GcConnectionSettings &operator=(const GcConnectionSettings &) = delete;

private:
  sqlite::Database &db_;
  bool writing_;
};

/// One run of Store::collect_garbage.
///
/// Each batch is one write transaction in which the unlinker works through
/// the files of earlier batches while this thread reads the next
/// candidates, chooses, deletes their rows and records their files as one
/// pending removal; at the commit the unlinker stops after the file at hand
/// and the rest waits for the next transaction. So unlinking fills the whole
/// time the lock is held and never makes the database work wait; the last
/// files go while the report's totals are read.
class GarbageCollector {
public:
  GarbageCollector(Store::Impl &impl, const GcPolicy &policy,
                   const std::function<void(const Eviction &)> &evicted)
      : impl_(impl), db_(*impl.db), policy_(policy), evicted_(evicted),
        unlinker_(impl.folder) {
    if (policy.max_idle)
      idle_before_ = impl.now() - policy.max_idle->count();
  }

  GcReport run() {
    GcConnectionSettings settings(db_, !policy_.dry_run);
    remaining_ = tally(total_tally_sql).bytes;
    for (int followed_class = 0; followed_class <= 1; ++followed_class) {
      // Followed creators' segments are exempt from the idle age.
      if (report_.interrupted || (followed_class == 1 && !over_size()))
        break;
      collect_class(followed_class);
    }
    finish();
    return report_;
  }

private:
  struct Candidate {
    std::int64_t id = 0;
    std::string file;
    Eviction eviction;
  };

  /// Files are unlinked only under the write lock: when a transaction
  /// ends by an exception, the unlinker must stop before it rolls back.
  /// Declared after the transaction, so destroyed (and run) first.
  struct UnlinkerStopper {
    BackgroundUnlinker &unlinker;
    ~UnlinkerStopper() { unlinker.stop(); }
  };

  bool over_size() const {
    return policy_.max_size && remaining_ > *policy_.max_size;
  }

  SegmentTally tally(const char *sql) {
    auto &query = db_.statement(sql);
    query.step();
    SegmentTally result{query.integer(0),
                        static_cast<std::uint64_t>(query.integer(1))};
    query.reset();
    return result;
  }

  /// Evicts files of one class (0: neither pinned nor followed, 1:
  /// followed), batch after batch, in the order of segments_by_use.
  void collect_class(int followed_class) {
    cursor_used_ = std::numeric_limits<UnixSeconds>::min();
    cursor_id_ = std::numeric_limits<std::int64_t>::min();
    bool more = true;
    while (more) {
      if (stop_requested()) {
        report_.interrupted = true;
        return;
      }
      std::optional<sqlite::WriteTransaction> transaction;
      UnlinkerStopper stopper{unlinker_};
      if (!policy_.dry_run) {
        transaction.emplace(db_);
        start_unlinking();
      }
      auto batch = next_candidates(followed_class, more);
      if (!choose(batch, followed_class))
        more = false;
      if (policy_.dry_run) {
        for (auto &candidate : batch)
          count_removed(candidate);
        continue;
      }
      std::int64_t removal = 0;
      delete_rows(batch, removal);
      finish_unlinking(BackgroundUnlinker::Finish::soon);
      transaction->commit();
      for (auto &candidate : batch) {
        unlink_pending_.push_back({candidate.file, removal});
        count_removed(candidate);
      }
    }
  }

  /// The candidates of the class in the next window of rows after the
  /// cursor; `more` turns false when the window reached the end.
  std::vector<Candidate> next_candidates(int followed_class, bool &more) {
    std::vector<Candidate> batch;
    db_.execute(room_class_sql);
    auto &query = db_.statement(window_sql);
    query.bind(1, cursor_used_).bind(2, cursor_id_).bind(3, batch_size);
    std::int64_t scanned = 0;
    while (query.step()) {
      ++scanned;
      cursor_id_ = query.integer(0);
      cursor_used_ = query.integer(4);
      if (query.integer(5) != followed_class)
        continue;
      Candidate candidate;
      candidate.id = cursor_id_;
      auto &e = candidate.eviction;
      e.infohash = to_hex(query.blob(1));
      candidate.file = segment_file_name(e.infohash, "." + query.text(2));
      e.bytes = static_cast<std::uint64_t>(query.integer(3));
      e.last_used = cursor_used_;
      e.followed = followed_class == 1;
      batch.push_back(std::move(candidate));
    }
    query.reset();
    if (scanned < batch_size)
      more = false;
    return batch;
  }

  /// Keeps the prefix of the batch that is idle or needed to get within
  /// the size (the order makes the choice a prefix). False if the choice
  /// stopped inside the batch: nothing after it qualifies.
  bool choose(std::vector<Candidate> &batch, int followed_class) {
    std::size_t chosen = 0;
    for (; chosen < batch.size(); ++chosen) {
      auto &e = batch[chosen].eviction;
      bool idle = followed_class == 0 && idle_before_ &&
                  e.last_used < *idle_before_;
      if (!idle && !over_size())
        break;
      e.reason = idle ? EvictionReason::idle : EvictionReason::size;
      remaining_ -= std::min(remaining_, e.bytes);
    }
    bool whole = chosen == batch.size();
    batch.resize(chosen);
    return whole;
  }

  /// Deletes the rows of the chosen candidates (with their uses) and
  /// records their files as one pending removal, `removal`.
  void delete_rows(std::vector<Candidate> &batch, std::int64_t &removal) {
    if (batch.empty())
      return;
    db_.execute("DELETE FROM temp.gc_batch");
    auto &list = db_.statement("INSERT INTO temp.gc_batch (id) VALUES (?1)");
    for (auto &candidate : batch) {
      describe(candidate); // before its uses go
      list.reset();
      list.bind(1, candidate.id).run();
    }
    db_.execute(evict_sql);
    std::vector<std::string> files;
    files.reserve(batch.size());
    for (const auto &candidate : batch)
      files.push_back(candidate.file);
    removal = impl_.note_removals(files);
    outstanding_[removal] = files.size();
  }

  /// The first use of a candidate and how many it has, for the report
  /// (when it is wanted: a lookup per file; rooms are few and cached).
  void describe(Candidate &candidate) {
    if (!policy_.describe)
      return;
    auto &e = candidate.eviction;
    auto &uses = db_.statement(uses_sql);
    uses.bind(1, candidate.id);
    while (uses.step()) {
      if (e.uses++ > 0)
        continue;
      const auto &room = room_named(uses.integer(0));
      e.creator = room.first;
      e.room = room.second;
      e.seq = uses.integer(1);
    }
    uses.reset();
  }

  /// The creator and name of room `id`.
  const std::pair<std::string, std::string> &room_named(std::int64_t id) {
    auto [at, added] = room_names_.try_emplace(id);
    if (added) {
      auto &query = db_.statement("SELECT creator, name FROM rooms WHERE id = ?1");
      query.bind(1, id);
      if (query.step())
        at->second = {query.text(0), query.text(1)};
      query.reset();
    }
    return at->second;
  }

  void count_removed(Candidate &candidate) {
    const auto &e = candidate.eviction;
    if (policy_.dry_run)
      describe(candidate);
    report_.removed.count += 1;
    report_.removed.bytes += e.bytes;
    if (e.followed) {
      removed_followed_.count += 1;
      removed_followed_.bytes += e.bytes;
    }
    if (evicted_)
      evicted_(e);
  }

  /// Starts unlinking the files of earlier batches, but for those a row
  /// owns again (an add of the same content took the name back). Call
  /// under the write lock, first thing in each write transaction. The
  /// check is skipped when no other connection has committed since our
  /// previous transaction began (SQLite's data_version, read under the
  /// lock both times, says so; our own commits do not change it): then
  /// nothing can have been added. (Read after our commit instead, it would
  /// already count a commit slipped in right after ours.)
  void start_unlinking() {
    auto version = db_.query_integer("PRAGMA data_version");
    bool nobody_else_wrote = version == data_version_in_last_transaction_;
    data_version_in_last_transaction_ = version;
    std::vector<PendingFile> files;
    if (nobody_else_wrote) {
      files = std::move(unlink_pending_);
    } else {
      files.reserve(unlink_pending_.size());
      for (auto &pending : unlink_pending_) {
        if (impl_.file_has_row(pending.file))
          done_with(pending.removal);
        else
          files.push_back(std::move(pending));
      }
    }
    unlink_pending_.clear();
    unlinker_.start(std::move(files));
  }

  /// One file of a pending removal is done with; once all are, the
  /// removal is dropped. (A file that failed to unlink never counts, so its
  /// removal stays for the next gc or repair.)
  void done_with(std::int64_t removal) {
    auto left = outstanding_.find(removal);
    if (left == outstanding_.end() || --left->second > 0)
      return;
    outstanding_.erase(left);
    db_.statement("DELETE FROM pending_removals WHERE id = ?1")
        .bind(1, removal)
        .run();
  }


  /// Stops (or lets finish) the unlinker, drops the removals it finished
  /// and keeps the files it did not reach for the next transaction.
  void finish_unlinking(BackgroundUnlinker::Finish how) {
    auto outcome = unlinker_.finish(how);
    for (const auto &pending : outcome.gone)
      done_with(pending.removal);
    // Those not reached go first, before the files of this batch.
    unlink_pending_ = std::move(outcome.not_reached);
  }

  /// Reads the report's totals while the unlinker works through the files
  /// still pending, then lets it finish them, a batch per transaction.
  void finish() {
    bool totals_read = false;
    while (!unlink_pending_.empty()) {
      sqlite::WriteTransaction transaction(db_);
      UnlinkerStopper stopper{unlinker_};
      std::vector<PendingFile> later;
      if (unlink_pending_.size() > static_cast<std::size_t>(batch_size)) {
        later.assign(unlink_pending_.begin() + batch_size, unlink_pending_.end());
        unlink_pending_.resize(batch_size);
      }
      start_unlinking();
      if (!totals_read)
        read_totals();
      totals_read = true;
      finish_unlinking(BackgroundUnlinker::Finish::all);
      unlink_pending_ = std::move(later);
      transaction.commit();
    }
    if (!totals_read) {
      sqlite::ReadTransaction snapshot(db_);
      read_totals();
    }
    report_.over_quota = over_size() && !report_.interrupted;
  }

  /// What is left, pinned and followed, after the run (a dry run removed
  /// nothing: what it would have is taken off).
  void read_totals() {
    auto left = tally(total_tally_sql);
    report_.pinned = tally(pinned_tally_sql);
    report_.followed = tally(followed_tally_sql);
    if (policy_.dry_run) {
      left.count -= report_.removed.count;
      left.bytes -= std::min(left.bytes, report_.removed.bytes);
      report_.followed.count -= removed_followed_.count;
      report_.followed.bytes -=
          std::min(report_.followed.bytes, removed_followed_.bytes);
    }
    report_.kept = left;
  }

  Store::Impl &impl_;
  sqlite::Database &db_;
  const GcPolicy &policy_;
  const std::function<void(const Eviction &)> &evicted_;
  BackgroundUnlinker unlinker_;
  std::optional<UnixSeconds> idle_before_;
  std::uint64_t remaining_ = 0;
  UnixSeconds cursor_used_ = 0;
  std::int64_t cursor_id_ = 0;
  /// PRAGMA data_version as our last write transaction began (-1: none).
  std::int64_t data_version_in_last_transaction_ = -1;
  /// Files whose rows are deleted, still to unlink, oldest first.
  std::vector<PendingFile> unlink_pending_;
  /// For each pending removal of this run: its files not yet done with.
  std::unordered_map<std::int64_t, std::size_t> outstanding_;
  SegmentTally removed_followed_;
  std::unordered_map<std::int64_t, std::pair<std::string, std::string>>
      room_names_;
  GcReport report_;
};

} // namespace

GcReport Store::collect_garbage(
    const GcPolicy &policy,
    const std::function<void(const Eviction &)> &evicted) {
  if (!policy.dry_run) {
    impl_->require_writable();
    impl_->finish_all_removals();
  }
  return GarbageCollector(*impl_, policy, evicted).run();
}

} // namespace hlswarm
