// store-synth: a test-only program that fills a store with a synthetic
// population of segments for scripts/bench-store-gc: rooms of several
// creators (some pinned, some followed), segment rows with realistic sizes
// and request times, and for every row a sparse file of the row's size (so
// the store checks clean, yet takes no disk space).
//
// Rows go in through SQLite directly, in one transaction: adding a million
// segments one by one through Store::add_segment (two fsyncs each) would
// take hours and measure nothing the benchmark is about.
#include <fcntl.h>
#include <algorithm>
#include <chrono>
#include <random>
#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/store/store.hpp"
#include "hlswarm/base/tool.hpp"

namespace {

struct SynthOptions {
  long segments = 1'000'000;
  int rooms = 1000;
  int creators = 100;
  int pinned_percent = 10;
  int followed_percent = 5;
  bool files = true;
  bool refill = false;
};

void make_sparse_file(const std::filesystem::path &path, std::int64_t bytes,
                      bool keep_existing) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (keep_existing ? O_EXCL : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == ENOENT) {
    hlswarm::make_dirs(path.parent_path());
    fd = ::open(path.c_str(), flags, 0644);
  }
  if (fd < 0 && keep_existing && errno == EEXIST)
    return;
  if (fd < 0 || ::ftruncate(fd, bytes) != 0)
    throw hlswarm::system_error(hlswarm::Exit::cant_create, path.string(), errno);
  ::close(fd);
}

/// --refill: gives every row without a file its sparse file back (after a
/// benchmark run evicted them and the database was put back).
hlswarm::Exit refill(const std::filesystem::path &folder) {
  sqlite3 *db = nullptr;
  if (sqlite3_open_v2((folder / "store.db").c_str(), &db, SQLITE_OPEN_READONLY,
                      nullptr) != SQLITE_OK)
    throw hlswarm::Error(hlswarm::Exit::no_input, folder.string(), "no store");
  sqlite3_stmt *rows = nullptr;
  sqlite3_prepare_v2(db, "SELECT DISTINCT file, bytes FROM segment_files", -1, &rows, nullptr);
  while (sqlite3_step(rows) == SQLITE_ROW)
    make_sparse_file(folder / reinterpret_cast<const char *>(sqlite3_column_text(rows, 0)),
                     sqlite3_column_int64(rows, 1), true);
  sqlite3_finalize(rows);
  sqlite3_close(db);
  return hlswarm::Exit::ok;
}

void check(int rc, sqlite3 *db, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw hlswarm::Error(hlswarm::Exit::io, what, sqlite3_errmsg(db));
}

hlswarm::Exit synthesise(const std::filesystem::path &folder,
                         const SynthOptions &options) {
  std::mt19937_64 random(42);
  const hlswarm::UnixSeconds now =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::vector<hlswarm::RoomId> rooms;
  {
    hlswarm::Store store(folder);
    for (int c = 0; c < options.creators; ++c) {
      auto creator = fmt::format("{:064x}", c + 1);
      if (static_cast<int>(random() % 100) < options.followed_percent)
        store.set_creator_followed(creator, true);
    }
    for (int r = 0; r < options.rooms; ++r) {
      auto creator = fmt::format("{:064x}", r % options.creators + 1);
      auto room = store.add_room(creator, fmt::format("room-{}", r),
                                 hlswarm::RoomMode::vod);
      if (static_cast<int>(random() % 100) < options.pinned_percent)
        store.set_room_pinned(room, true);
      rooms.push_back(room);
    }
  }

  sqlite3 *db = nullptr;
  check(sqlite3_open((folder / "store.db").c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode = WAL; BEGIN", nullptr, nullptr,
                     nullptr),
        db, "begin");
  sqlite3_stmt *insert = nullptr;
  check(sqlite3_prepare_v2(
            db,
            "INSERT INTO segments (infohash, ext, bytes, added, "
            "last_requested, requests_served, bytes_uploaded) "
            "VALUES (?1, ?4, ?5, ?6, ?7, ?8, ?9)",
            -1, &insert, nullptr),
        db, "prepare");
  sqlite3_stmt *use = nullptr;
  check(sqlite3_prepare_v2(db,
                           "INSERT INTO segment_uses (room, seq, segment) "
                           "VALUES (?1, ?2, last_insert_rowid())",
                           -1, &use, nullptr),
        db, "prepare");
  // Like a real store: rows arrive in time order, a room's segments one
  // after the other (a broadcast, or a video imported whole); most
  // requests come within hours of a segment's arrival, some much later
  // (re-watches, seeks), and a third of the segments are never asked for.
  constexpr std::int64_t span = 60 * 86400;
  std::uniform_int_distribution<std::int64_t> size(1'000'000, 3'000'000);
  std::exponential_distribution<double> soon(1.0 / 3600);
  auto per_room = std::max<long>(1, options.segments / options.rooms);
  for (long i = 0; i < options.segments; ++i) {
    auto room = static_cast<std::size_t>(i / per_room) % rooms.size();
    auto infohash = fmt::format("{:016x}{:016x}{:016x}{:016x}", random(),
                                random(), random(), static_cast<unsigned long>(i));
    auto bytes = size(random);
    auto added = now - span + span * i / options.segments;
    sqlite3_reset(insert);
    auto key = *hlswarm::from_hex(infohash);
    sqlite3_bind_blob(insert, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, "ts", -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 5, bytes);
    sqlite3_bind_int64(insert, 6, added);
    auto dice = random() % 10;
    if (dice < 3)
      sqlite3_bind_null(insert, 7);
    else if (dice < 8)
      sqlite3_bind_int64(insert, 7, std::min(now, added + static_cast<std::int64_t>(soon(random))));
    else
      sqlite3_bind_int64(insert, 7, added + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(now - added + 1)));
    sqlite3_bind_int64(insert, 8, static_cast<std::int64_t>(random() % 50));
    sqlite3_bind_int64(insert, 9, static_cast<std::int64_t>(random() % 50) * bytes);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(use);
    sqlite3_bind_int64(use, 1, rooms[room]);
    sqlite3_bind_int64(use, 2, i % per_room);
    check(sqlite3_step(use), db, "insert use");

    if (options.files)
      make_sparse_file(folder / hlswarm::segment_file_name(infohash, ".ts"),
                       bytes, false);
    if (i % 50'000 == 0)
      hlswarm::diag::progress(fmt::format("{} segments", i));
  }
  sqlite3_finalize(insert);
  sqlite3_finalize(use);
  check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", nullptr,
                     nullptr, nullptr),
        db, "commit");
  sqlite3_close(db);
  return hlswarm::Exit::ok;
}

} // namespace

int main(int argc, char **argv) {
  hlswarm::Tool tool("store-synth", "Test program: fill a store with synthetic segments");
  tool.add_store_option();
  SynthOptions options;
  auto &app = tool.app();
  app.add_option("--segments", options.segments, "Segment rows to add");
  app.add_option("--rooms", options.rooms, "Rooms to spread them over");
  app.add_option("--creators", options.creators, "Creators owning the rooms");
  app.add_option("--pinned-percent", options.pinned_percent, "Rooms pinned");
  app.add_option("--followed-percent", options.followed_percent, "Creators followed");
  app.add_flag("--files,!--no-files", options.files, "Create a sparse file per row");
  app.add_flag("--refill", options.refill,
               "Only create the missing file of every row");
  return tool.run(argc, argv, [&] {
    return options.refill ? refill(tool.common().store)
                          : synthesise(tool.common().store, options);
  });
}
