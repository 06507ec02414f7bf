#include "hlswarm/store/store.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/store/store_gc.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string alice(64, 'a');
const std::string bob(64, 'b');
const std::string carol(64, 'c');


void write_all(const fs::path &path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string infohash(int n) { return fmt::format("{:064x}", n); }

/// A store in a fresh folder with a clock the test moves by hand.
struct StoreFixture : ::testing::Test {
  test::TempFolder dir;
  fs::path incoming = dir / "incoming";
  UnixSeconds clock = 1'700'000'000;

  void SetUp() override { fs::create_directories(incoming); }

  StoreOptions options(bool read_only = false) {
    StoreOptions o;
    o.read_only = read_only;
    o.clock = [this] { return clock; };
    return o;
  }
  fs::path store_dir() const { return dir / "store"; }

  SegmentInfo add(Store &store, RoomId room, int n, std::size_t bytes) {
    auto source = incoming / fmt::format("seg{:05}.ts", n);
    write_all(source, std::string(bytes, static_cast<char>('a' + n % 26)));
    return store.add_segment({infohash(n), room, n, source, false});
  }

  /// Adds the bytes of segment `n` at (room, seq): the same `n` at two
  /// places is the same segment used twice.
  SegmentInfo add_at(Store &store, RoomId room, std::int64_t seq, int n,
                     std::size_t bytes) {
    auto source = incoming / fmt::format("seg{:05}-{}-{}.ts", n, room, seq);
    write_all(source, std::string(bytes, static_cast<char>('a' + n % 26)));
    return store.add_segment({infohash(n), room, seq, source, false});
  }

  /// A fingerprint of everything in the store folder: the name, size and
  /// a hash of the bytes of every file, the database included. SQLite's
  /// -wal and -shm files are left out but must hold no transactions (an
  /// empty WAL), so store.db alone is the database's content.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> files;
    for (auto &entry : fs::recursive_directory_iterator(store_dir())) {
      if (!entry.is_regular_file())
        continue;
      auto name = entry.path().lexically_relative(store_dir()).string();
      if (name == "store.db-shm")
        continue;
      auto bytes = read_whole_file(entry.path());
      if (name == "store.db-wal") {
        EXPECT_EQ(bytes.size(), 0u) << "the WAL holds transactions";
        continue;
      }
      files[name] = fmt::format("{} bytes, hash {:016x}", bytes.size(),
                                std::hash<std::string>{}(bytes));
    }
    return files;
  }
};

std::vector<std::string> evict(Store &store, GcPolicy policy,
                               GcReport *report = nullptr) {
  std::vector<std::string> order;
  auto result = store.collect_garbage(policy, [&](const Eviction &e) {
    order.push_back(e.infohash);
  });
  if (report)
    *report = result;
  return order;
}

/// Runs one SQL statement on a store database behind the Store's back.
void raw_sql(const fs::path &database, const std::string &sql) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  char *error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::int64_t raw_integer(const fs::path &database, const std::string &sql) {
  sqlite3 *db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY,
                            nullptr),
            SQLITE_OK);
  sqlite3_stmt *statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
            SQLITE_OK);
  std::int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW)
    value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

/// Rows of pending_removals: removals committed but not finished.
std::int64_t pending_removals(Store &store) {
  return raw_integer(store.database_path(),
                     "SELECT count(*) FROM pending_removals");
}

} // namespace

TEST_F(StoreFixture, CreatesTheLayoutWithTheCurrentSchemaInWalMode) {
  { Store store(store_dir(), options()); }
  EXPECT_TRUE(fs::is_regular_file(store_dir() / "store.db"));
  EXPECT_TRUE(fs::is_directory(store_dir() / "segments"));
  EXPECT_EQ(raw_integer(store_dir() / "store.db", "PRAGMA user_version"),
            Store::schema_version);
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open((store_dir() / "store.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt *statement = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0)),
               "wal");
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

TEST_F(StoreFixture, AMissingStoreIsNoInputUnlessCreated) {
  auto o = options();
  o.create = false;
  try {
    Store store(store_dir(), o);
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::no_input);
  }
  EXPECT_FALSE(fs::exists(store_dir()));
}

TEST_F(StoreFixture, AddsASegmentUnderItsFanOutName) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto hash = "AB" + infohash(7).substr(2); // upper case is folded
  auto source = incoming / "seg00007.ts";
  write_all(source, "segment bytes");
  auto added = store.add_segment({hash, room, 7, source, false});
  std::string lower = "ab" + infohash(7).substr(2);
  EXPECT_EQ(added.infohash, lower);
  EXPECT_EQ(added.file, store_dir() / "segments" / "ab" / (lower + ".ts"));
  EXPECT_EQ(read_whole_file(added.file), "segment bytes");
  EXPECT_EQ(added.bytes, 13u);
  EXPECT_EQ(added.added, clock);
  EXPECT_FALSE(added.last_requested);
  EXPECT_TRUE(fs::exists(source)) << "a copy leaves the source";

  auto by_seq = store.find_segment(room, 7);
  ASSERT_TRUE(by_seq);
  EXPECT_EQ(by_seq->infohash, lower);
  // Only the final file: no temporary left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(added.file.parent_path()), {}),
            1);
}

TEST_F(StoreFixture, AddingTwiceKeepsOneAndAnotherSegmentAtTheSameSeqIsBadData) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::vod);
  auto first = add(store, room, 1, 10);
  clock += 50;
  auto again = add(store, room, 1, 10);
  EXPECT_EQ(again.added, first.added);
  auto source = incoming / "other.ts";
  write_all(source, "different");
  try {
    store.add_segment({infohash(99), room, 1, source, false});
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
  }
  EXPECT_FALSE(store.find_segment(infohash(99)));
  EXPECT_FALSE(fs::exists(store_dir() / "segments" / "00" / (infohash(99) + ".ts")));
  EXPECT_EQ(store.segment_totals().count, 1);
}

TEST_F(StoreFixture, MoveTakesTheSourceAway) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto source = incoming / "seg.m4s";
  write_all(source, "moved");
  auto added = store.add_segment({infohash(3), room, 3, source, true});
  EXPECT_FALSE(fs::exists(source));
  EXPECT_EQ(read_whole_file(added.file), "moved");
  EXPECT_EQ(added.file.extension(), ".m4s");
}

TEST_F(StoreFixture, AMissingSourceIsNoInputAndLeavesNothing) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  try {
    store.add_segment({infohash(4), room, 4, incoming / "nope.ts", false});
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::no_input);
  }
  EXPECT_EQ(store.segment_totals().count, 0);
  auto fan_out = store_dir() / "segments" / "00";
  EXPECT_TRUE(!fs::exists(fan_out) || fs::is_empty(fan_out));
}

TEST_F(StoreFixture, BadKeysAreBadData) {
  Store store(store_dir(), options());
  for (const char *bad : {"", "abc", "zz00000000000000000000000000000000000000000000000000000000000000"}) {
    try {
      store.add_room(bad, "talk", RoomMode::live);
      FAIL() << bad;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::data);
    }
  }
}

TEST_F(StoreFixture, RemoveDropsTheRowThenTheFile) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto added = add(store, room, 5, 100);
  EXPECT_TRUE(store.remove_segment(added.infohash));
  EXPECT_FALSE(store.find_segment(added.infohash));
  EXPECT_FALSE(fs::exists(added.file));
  EXPECT_FALSE(store.remove_segment(added.infohash));
  EXPECT_EQ(pending_removals(store), 0);
}

TEST_F(StoreFixture, AnOpenSegmentStaysReadableAfterItIsRemoved) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto added = add(store, room, 6, 4096);
  auto file = store.open_segment(added.infohash);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->bytes(), 4096u);
  Store gc(store_dir(), options()); // another program
  ASSERT_TRUE(gc.remove_segment(added.infohash));
  std::string buffer(4096, '\0');
  EXPECT_EQ(::pread(file->fd(), buffer.data(), buffer.size(), 0), 4096);
  EXPECT_EQ(buffer, std::string(4096, 'g'));
  EXPECT_FALSE(store.open_segment(added.infohash));
}

TEST_F(StoreFixture, RoomsAreFoundByCreatorAndNameAndAddedOnce) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::vod);
  EXPECT_EQ(store.add_room(alice, "talk", RoomMode::vod), room);
  EXPECT_NE(store.add_room(bob, "talk", RoomMode::vod), room);
  auto found = store.find_room(alice, "talk");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->mode, RoomMode::vod);
  EXPECT_FALSE(found->pinned);
  store.set_room_pinned(room, true);
  store.set_room_ended(room, true);
  EXPECT_TRUE(store.room(room)->pinned);
  EXPECT_TRUE(store.room(room)->ended);
  EXPECT_FALSE(store.find_room(carol, "talk"));
}

TEST_F(StoreFixture, RecordsAreStoredOnceAndConflictsRejected) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  std::string canonical("d1:ai0e\0binary", 14);
  store.put_record(room, 0, "id0", canonical);
  store.put_record(room, 0, "id0", canonical);
  store.put_record(room, 1, "id1", "second");
  EXPECT_EQ(store.record(room, 0), canonical);
  EXPECT_EQ(store.last_record_seq(room), 1);
  EXPECT_FALSE(store.record(room, 2));
  try {
    store.put_record(room, 1, "other", "forged");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
  }
  EXPECT_EQ(store.record(room, 1), "second");
}

TEST_F(StoreFixture, QuotaEvictsLeastRecentlyRequestedFirst) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  for (int n = 1; n <= 5; ++n) {
    add(store, room, n, 100);
    clock += 10;
  }
  // Requests reorder them: 3 then 1 were asked for most recently.
  store.note_requested(infohash(1));
  clock += 10;
  store.note_requested(infohash(3));
  store.flush();
  GcReport report;
  auto order = evict(store, {250, std::nullopt, false}, &report);
  EXPECT_EQ(order, (std::vector<std::string>{infohash(2), infohash(4), infohash(5)}));
  EXPECT_EQ(report.removed.count, 3);
  EXPECT_EQ(report.removed.bytes, 300u);
  EXPECT_EQ(report.kept.count, 2);
  EXPECT_EQ(report.kept.bytes, 200u);
  EXPECT_FALSE(report.over_quota);
  EXPECT_TRUE(store.find_segment(infohash(1)));
  EXPECT_TRUE(store.find_segment(infohash(3)));
  EXPECT_FALSE(fs::exists(store_dir() / "segments" / "00" / (infohash(2) + ".ts")));
  // Within quota now: a second run removes nothing.
  EXPECT_TRUE(evict(store, {250, std::nullopt, false}).empty());
}

TEST_F(StoreFixture, IdleSegmentsGoEvenUnderQuota) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  add(store, room, 1, 100);            // added at t0, never requested
  add(store, room, 2, 100);            // requested recently, below
  clock += 20 * 86400;
  add(store, room, 3, 100);            // added recently
  store.note_requested(infohash(2));
  store.flush();
  clock += 3600;
  GcReport report;
  auto order = evict(store, {1'000'000, 14 * 86400s, false}, &report);
  EXPECT_EQ(order, (std::vector<std::string>{infohash(1)}));
  EXPECT_EQ(report.kept.count, 2);
}

TEST_F(StoreFixture, IdleGoesFirstThenTheQuota) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  add(store, room, 1, 100);
  clock += 30 * 86400;
  for (int n = 2; n <= 4; ++n) {
    add(store, room, n, 100);
    clock += 60;
  }
  std::vector<EvictionReason> reasons;
  store.collect_garbage({150, 14 * 86400s, false},
                        [&](const Eviction &e) { reasons.push_back(e.reason); });
  EXPECT_EQ(reasons, (std::vector<EvictionReason>{EvictionReason::idle,
                                                  EvictionReason::size,
                                                  EvictionReason::size}));
  EXPECT_TRUE(store.find_segment(infohash(4)));
}

TEST_F(StoreFixture, PinnedRoomsAreNeverEvicted) {
  Store store(store_dir(), options());
  auto mine = store.add_room(alice, "my-show", RoomMode::vod);
  auto other = store.add_room(bob, "news", RoomMode::live);
  store.set_room_pinned(mine, true);
  add(store, mine, 1, 500);   // oldest, but pinned
  clock += 10;
  add(store, other, 2, 100);
  clock += 40 * 86400;
  GcReport report;
  auto order = evict(store, {0, 1s, false}, &report);
  EXPECT_EQ(order, (std::vector<std::string>{infohash(2)}));
  EXPECT_TRUE(store.find_segment(infohash(1)));
  EXPECT_TRUE(report.over_quota);
  EXPECT_EQ(report.pinned.count, 1);
  EXPECT_EQ(report.pinned.bytes, 500u);
  // Unpinned, it goes like any other.
  store.set_room_pinned(mine, false);
  EXPECT_EQ(evict(store, {0, std::nullopt, false}),
            (std::vector<std::string>{infohash(1)}));
}

TEST_F(StoreFixture, FollowedCreatorsGoLastAndAreExemptFromIdle) {
  Store store(store_dir(), options());
  auto followed = store.add_room(alice, "favourite", RoomMode::vod);
  auto other = store.add_room(bob, "random", RoomMode::vod);
  store.set_creator_followed(alice, true);
  add(store, followed, 1, 100); // oldest of all
  clock += 10;
  add(store, followed, 2, 100);
  clock += 10;
  add(store, other, 3, 100);
  clock += 10;
  add(store, other, 4, 100); // newest
  clock += 30 * 86400;

  GcReport report;
  // Everything is idle, but only the others go for idleness.
  auto order = evict(store, {1'000'000, 14 * 86400s, false}, &report);
  EXPECT_EQ(order, (std::vector<std::string>{infohash(3), infohash(4)}));
  EXPECT_EQ(report.followed.count, 2);
  // The quota reaches followed creators, least recently used first.
  order = evict(store, {100, 14 * 86400s, false}, &report);
  EXPECT_EQ(order, (std::vector<std::string>{infohash(1)}));
  EXPECT_EQ(report.followed.count, 1);
}

TEST_F(StoreFixture, FollowedCreatorsGoAfterEverythingElseForTheQuota) {
  Store store(store_dir(), options());
  auto followed = store.add_room(alice, "favourite", RoomMode::vod);
  auto other = store.add_room(bob, "random", RoomMode::vod);
  store.set_creator_followed(alice, true);
  add(store, followed, 1, 100);
  clock += 10;
  add(store, other, 2, 100);
  clock += 10;
  add(store, followed, 3, 100);
  clock += 10;
  add(store, other, 4, 100);
  auto order = evict(store, {100, std::nullopt, false});
  EXPECT_EQ(order, (std::vector<std::string>{infohash(2), infohash(4), infohash(1)}));
}

TEST_F(StoreFixture, DryRunChangesNothingAndListsWhatARealRunRemoves) {
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    auto pinned = store.add_room(bob, "kept", RoomMode::vod);
    store.set_room_pinned(pinned, true);
    for (int n = 1; n <= 20; ++n) {
      add(store, n % 4 == 0 ? pinned : room, n, 50 + n);
      clock += 100;
    }
    store.note_served(infohash(1), 1000);
    store.note_creator_watched(alice);
  } // closed: accounting written, WAL checkpointed into store.db
  auto before = snapshot();
  std::vector<std::string> listed;
  {
    Store store(store_dir(), options(true));
    listed = evict(store, {600, 1000s, true});
  }
  EXPECT_EQ(snapshot(), before) << "a dry run changed the store";
  EXPECT_FALSE(listed.empty());

  Store store(store_dir(), options());
  EXPECT_EQ(evict(store, {600, 1000s, false}), listed);
}

TEST_F(StoreFixture, MigratesAVersion1Store) {
  // A version 1 store written by hand as version 1 programs wrote it: no
  // bytes_uploaded column, no removals table.
  fs::create_directories(store_dir() / "segments" / "0a");
  write_all(store_dir() / "segments" / "0a" / (std::string("0a") + std::string(62, '1') + ".ts"),
            "old segment");
  raw_sql(store_dir() / "store.db", R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE creators (pk TEXT PRIMARY KEY CHECK (length(pk) = 64),
  times_watched INTEGER NOT NULL DEFAULT 0, last_watched INTEGER,
  followed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE rooms (id INTEGER PRIMARY KEY,
  creator TEXT NOT NULL REFERENCES creators(pk), name TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'vod')),
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended')),
  pinned INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,
  UNIQUE (creator, name));
CREATE TABLE records (room INTEGER NOT NULL REFERENCES rooms(id),
  seq INTEGER NOT NULL, id TEXT NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE TABLE segments (id INTEGER PRIMARY KEY,
  infohash BLOB NOT NULL CHECK (length(infohash) = 32),
  room INTEGER NOT NULL REFERENCES rooms(id), seq INTEGER NOT NULL,
  ext TEXT NOT NULL, bytes INTEGER NOT NULL, added INTEGER NOT NULL,
  last_requested INTEGER, requests_served INTEGER NOT NULL DEFAULT 0);
CREATE INDEX segments_by_infohash ON segments(substr(infohash, 1, 8));
CREATE UNIQUE INDEX segments_by_room ON segments(room, seq);
CREATE INDEX segments_by_use ON segments(coalesce(last_requested, added));
CREATE VIEW segment_files AS
SELECT id, lower(hex(infohash)) AS infohash, room, seq, bytes,
       'segments/' || lower(hex(substr(infohash, 1, 1))) || '/' ||
       lower(hex(infohash)) || '.' || ext AS file
FROM segments;
INSERT INTO creators (pk, followed) VALUES (')sql" + alice + R"sql(', 1);
INSERT INTO rooms (creator, name, mode, created) VALUES (')sql" + alice + R"sql(', 'old', 'vod', 1);
INSERT INTO rooms (creator, name, mode, created) VALUES (')sql" + alice + R"sql(', 'older', 'vod', 1);
INSERT INTO segments (infohash, room, seq, ext, bytes, added, requests_served)
  VALUES (X'0a)sql" + std::string(62, '1') + R"sql(', 1, 0, 'ts', 11, 5, 3),
         (X'0b)sql" + std::string(62, '2') + R"sql(', 1, 1, 'ts', 100, 6, 0),
         (X'0c)sql" + std::string(62, '3') + R"sql(', 2, 0, 'ts', 1000, 7, 0);
PRAGMA user_version = 1;
)sql");

  Store store(store_dir(), options());
  EXPECT_EQ(raw_integer(store.database_path(), "PRAGMA user_version"),
            Store::schema_version);
  // The new per-room totals were filled from the rows already there.
  EXPECT_EQ(store.segment_totals().count, 3);
  EXPECT_EQ(store.segment_totals().bytes, 1111u);
  EXPECT_EQ(raw_integer(store.database_path(),
                        "SELECT bytes FROM room_totals WHERE room = 1"),
            111);
  auto hash = "0a" + std::string(62, '1');
  auto old = store.find_segment(hash);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->requests_served, 3);
  EXPECT_EQ(old->bytes_uploaded, 0u);
  EXPECT_TRUE(store.creator(alice)->followed);
  store.note_served(hash, 700);
  store.flush();
  EXPECT_EQ(store.find_segment(hash)->bytes_uploaded, 700u);
  // Two of the three files were lost with the old version; check says so.
  auto report = store.check(false);
  EXPECT_EQ(report.problems.size(), 2u);
  EXPECT_TRUE(store.check(true).consistent());
  EXPECT_TRUE(store.remove_segment(hash)); // uses the new removals table
  EXPECT_EQ(store.segment_totals().count, 0);
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, ANewerSchemaIsRefused) {
  { Store store(store_dir(), options()); }
  raw_sql(store_dir() / "store.db", "PRAGMA user_version = 99");
  try {
    Store store(store_dir(), options());
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_NE(e.reason().find("newer"), std::string::npos);
  }
}

TEST_F(StoreFixture, AccountingIsBatchedAndSummed) {
  auto o = options();
  o.flush_after_events = 1000;
  o.flush_after = 1h; // only the event count triggers a write here
  Store store(store_dir(), o);
  auto room = store.add_room(alice, "talk", RoomMode::live);
  for (int n = 0; n < 100; ++n)
    add(store, room, n, 1);
  auto database = store.database_path();

  for (int i = 0; i < 999; ++i)
    store.note_served(infohash(i % 100), 16384);
  EXPECT_EQ(raw_integer(database, "SELECT sum(bytes_uploaded) FROM segments"), 0)
      << "written before the batch was full";
  store.note_served(infohash(999 % 100), 16384);
  EXPECT_EQ(raw_integer(database, "SELECT sum(bytes_uploaded) FROM segments"),
            1000 * 16384);

  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100'000; ++i) {
    store.note_served(infohash(i % 100), 16384);
    if (i % 16 == 0)
      store.note_requested(infohash(i % 100));
  }
  for (int i = 0; i < 1000; ++i)
    store.note_creator_watched(bob);
  store.flush();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cout << "[          ] 100k served + 6250 requested + 1000 watched: "
            << elapsed.count() << " ms\n";
  EXPECT_EQ(raw_integer(database, "SELECT sum(bytes_uploaded) FROM segments"),
            101'000LL * 16384);
  EXPECT_EQ(raw_integer(database, "SELECT sum(requests_served) FROM segments"),
            6250);
  EXPECT_EQ(raw_integer(database, "SELECT count(*) FROM segments "
                                  "WHERE last_requested = " + std::to_string(clock)),
            100);
  auto watched = store.creator(bob);
  ASSERT_TRUE(watched);
  EXPECT_EQ(watched->times_watched, 1000);
  EXPECT_EQ(watched->last_watched, clock);
}

TEST_F(StoreFixture, AccountingIsWrittenOnClose) {
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    add(store, room, 1, 10);
    store.note_requested(infohash(1));
  }
  Store store(store_dir(), options());
  EXPECT_EQ(store.find_segment(infohash(1))->requests_served, 1);
}

TEST_F(StoreFixture, CheckFindsAndRepairsEveryKindOfFault) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto pinned = store.add_room(bob, "kept", RoomMode::live);
  store.set_room_pinned(pinned, true);
  auto gone = add(store, room, 1, 10);
  auto resized = add(store, pinned, 2, 10);
  add(store, room, 3, 10);
  EXPECT_TRUE(store.check(false).problems.empty());

  fs::remove(gone.file);
  write_all(resized.file, "longer than it was");
  auto stray = store_dir() / "segments" / "ff" / (std::string(64, 'f') + ".ts");
  fs::create_directories(stray.parent_path());
  write_all(stray, "stray");
  // A temporary file whose writer is dead: a child that has exited.
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  ::waitpid(child, nullptr, 0);
  auto temporary = store_dir() / "segments" / "00" /
                   fmt::format(".x.ts.tmp-{}", child);
  write_all(temporary, "half");
  // And one whose writer lives (this process): in use, not a fault.
  auto in_use = store_dir() / "segments" / "00" /
                fmt::format(".y.ts.tmp-{}-0", ::getpid());
  write_all(in_use, "writing");

  auto report = store.check(false);
  std::map<StoreFault, int> seen;
  for (const auto &problem : report.problems) {
    seen[problem.fault] += 1;
    EXPECT_FALSE(problem.repaired);
  }
  EXPECT_EQ(seen[StoreFault::missing_file], 1);
  EXPECT_EQ(seen[StoreFault::size_mismatch], 1);
  EXPECT_EQ(seen[StoreFault::orphan_file], 1);
  EXPECT_EQ(seen[StoreFault::stale_temporary], 1);
  EXPECT_FALSE(report.consistent());
  EXPECT_TRUE(fs::exists(stray)) << "check alone must not change anything";

  report = store.check(true);
  EXPECT_TRUE(report.consistent());
  EXPECT_EQ(report.problems.size(), 4u);
  for (const auto &problem : report.problems)
    EXPECT_EQ(problem.pinned, problem.fault == StoreFault::size_mismatch);
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(resized.file));
  EXPECT_TRUE(fs::exists(in_use));
  EXPECT_FALSE(store.find_segment(gone.infohash));
  EXPECT_TRUE(store.find_segment(infohash(3)));
  fs::remove(in_use);
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, AnInterruptedRemovalIsNotAFaultAndGcFinishesIt) {
  SegmentInfo added;
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    added = add(store, room, 1, 10);
  }
  // What a crash between the row's deletion and the unlink leaves.
  raw_sql(store_dir() / "store.db",
          "DELETE FROM segments; INSERT INTO pending_removals (files) VALUES ('" +
              added.file.lexically_relative(store_dir()).string() + "\n')");
  Store store(store_dir(), options());
  auto report = store.check(false);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.pending_removals, 1);
  EXPECT_TRUE(fs::exists(added.file));
  evict(store, {std::nullopt, std::nullopt, false});
  EXPECT_FALSE(fs::exists(added.file));
  EXPECT_EQ(pending_removals(store), 0);
}

TEST_F(StoreFixture, APendingRemovalSparesAFileAddedAgain) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto first = add(store, room, 1, 10);
  auto other = add(store, room, 2, 20);
  // A crash left both removals pending; then the first segment came back.
  raw_sql(store_dir() / "store.db",
          "DELETE FROM segments; INSERT INTO pending_removals (files) VALUES ('" +
              first.file.lexically_relative(store_dir()).string() + "\n" +
              other.file.lexically_relative(store_dir()).string() + "\n')");
  auto again = add(store, room, 1, 10);
  EXPECT_EQ(again.file, first.file);
  auto report = store.check(true);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.pending_removals, 2);
  EXPECT_TRUE(fs::exists(again.file)) << "the file added again was unlinked";
  EXPECT_FALSE(fs::exists(other.file));
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, CheckReportsADamagedDatabase) {
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    for (int n = 0; n < 50; ++n)
      add(store, room, n, 10);
  }
  // A dangling foreign key, as a careless hand edit would leave.
  raw_sql(store_dir() / "store.db",
          "PRAGMA foreign_keys = OFF; UPDATE segment_uses SET room = 42 WHERE seq = 3");
  Store store(store_dir(), options());
  auto report = store.check(true);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].fault, StoreFault::integrity);
  EXPECT_FALSE(report.consistent());
}

TEST_F(StoreFixture, TotalsFollowEveryChangeAndCheckRecomputesThem) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  for (int n = 0; n < 10; ++n)
    add(store, room, n, 100);
  store.remove_segment(infohash(3));
  evict(store, {500, std::nullopt, false});
  EXPECT_EQ(store.segment_totals().count, 5);
  EXPECT_EQ(store.segment_totals().bytes, 500u);
  EXPECT_TRUE(store.check(false).problems.empty());

  raw_sql(store.database_path(), "UPDATE room_totals SET bytes = 7");
  auto report = store.check(false);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].fault, StoreFault::totals_mismatch);
  EXPECT_TRUE(store.check(true).consistent());
  EXPECT_EQ(store.segment_totals().bytes, 500u);
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, ALockHeldPastTheTimeoutIsATemporaryFailure) {
  { Store store(store_dir(), options()); }
  sqlite3 *other = nullptr;
  ASSERT_EQ(sqlite3_open((store_dir() / "store.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto o = options();
  o.busy_timeout = 100ms;
  Store store(store_dir(), o);
  try {
    store.add_room(alice, "talk", RoomMode::live);
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::temp_fail);
  }
  // Readers are not held up by a writer.
  EXPECT_FALSE(store.find_room(alice, "talk"));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_GT(store.add_room(alice, "talk", RoomMode::live), 0);
}

TEST_F(StoreFixture, AFileThatIsNotADatabaseIsBadData) {
  fs::create_directories(store_dir());
  write_all(store_dir() / "store.db", std::string(8192, 'x'));
  try {
    Store store(store_dir(), options());
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
  }
  EXPECT_EQ(read_whole_file(store_dir() / "store.db"), std::string(8192, 'x'));
}

TEST_F(StoreFixture, CheckFindsAnInfohashStoredTwice) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  add(store, room, 1, 10);
  // What a writer that broke the rules (no look-up under the lock) leaves.
  raw_sql(store.database_path(),
          "INSERT INTO segments (infohash, ext, bytes, added) "
          "SELECT infohash, ext, bytes, added FROM segments; "
          "INSERT INTO segment_uses (room, seq, segment) "
          "SELECT room, 2, last_insert_rowid() FROM segment_uses");
  auto report = store.check(false);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].fault, StoreFault::duplicate_row);
  EXPECT_TRUE(store.check(true).consistent());
  EXPECT_TRUE(store.check(false).problems.empty());
  EXPECT_EQ(store.find_segment(room, 1)->infohash, infohash(1));
  // The dropped row's use went to the row kept.
  EXPECT_EQ(store.find_segment(room, 2)->infohash, infohash(1));
  EXPECT_EQ(store.segment_uses(infohash(1)).size(), 2u);
}

TEST_F(StoreFixture, ASegmentInTwoRoomsIsOneFileWithTwoUses) {
  Store store(store_dir(), options());
  auto talk = store.add_room(alice, "talk", RoomMode::live);
  auto rerun = store.add_room(bob, "rerun", RoomMode::vod);
  auto first = add_at(store, talk, 1, 1, 100);
  clock += 5;
  auto second = add_at(store, rerun, 7, 1, 100);
  EXPECT_EQ(second.file, first.file);
  EXPECT_EQ(second.added, first.added); // the file was not copied again
  EXPECT_EQ(second.room, rerun);
  EXPECT_EQ(second.seq, 7);
  EXPECT_EQ(store.segment_uses(infohash(1)),
            (std::vector<SegmentUse>{{talk, 1}, {rerun, 7}}));
  EXPECT_EQ(store.find_segment(rerun, 7)->infohash, infohash(1));
  EXPECT_EQ(store.find_segment(rerun, 7)->room, rerun);
  EXPECT_EQ(store.find_segment(infohash(1))->room, talk);
  // The store holds one file; each room counts its use.
  EXPECT_EQ(store.segment_totals().count, 1);
  EXPECT_EQ(store.segment_totals().bytes, 100u);
  EXPECT_EQ(raw_integer(store.database_path(),
                        fmt::format("SELECT bytes FROM room_totals WHERE room = {}",
                                    rerun)),
            100);
  // Adding a use again is a no-op; another segment at a used seq is bad data.
  add_at(store, rerun, 7, 1, 100);
  EXPECT_EQ(store.segment_uses(infohash(1)).size(), 2u);
  try {
    add_at(store, rerun, 7, 2, 100);
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
  }
  EXPECT_TRUE(store.check(false).problems.empty());

  // Dropping one use keeps the file for the other; dropping the last
  // removes it.
  EXPECT_TRUE(store.remove_segment(talk, 1));
  EXPECT_FALSE(store.remove_segment(talk, 1));
  EXPECT_TRUE(fs::exists(first.file));
  EXPECT_FALSE(store.find_segment(talk, 1));
  EXPECT_EQ(store.find_segment(infohash(1))->room, rerun);
  EXPECT_TRUE(store.remove_segment(rerun, 7));
  EXPECT_FALSE(fs::exists(first.file));
  EXPECT_FALSE(store.find_segment(infohash(1)));
  EXPECT_EQ(store.segment_totals().count, 0);

  // Removing by infohash removes the file and every use.
  add_at(store, talk, 1, 3, 10);
  add_at(store, rerun, 1, 3, 10);
  EXPECT_TRUE(store.remove_segment(infohash(3)));
  EXPECT_FALSE(store.find_segment(talk, 1));
  EXPECT_FALSE(store.find_segment(rerun, 1));
  EXPECT_TRUE(store.segment_uses(infohash(3)).empty());
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, AFileAPinnedRoomSharesIsNeverEvicted) {
  Store store(store_dir(), options());
  auto viewed = store.add_room(bob, "news", RoomMode::live);
  auto mine = store.add_room(alice, "my-show", RoomMode::vod);
  store.set_room_pinned(mine, true);
  // Stored first for the unpinned room (a viewer fetched it), then the
  // pinned room uses the same bytes.
  add_at(store, viewed, 1, 1, 500); // the oldest file
  clock += 10;
  add_at(store, mine, 4, 1, 500);
  clock += 10;
  add_at(store, viewed, 2, 2, 100);
  clock += 40 * 86400;

  GcReport report;
  auto dry = store.collect_garbage({0, 1s, true}, nullptr);
  EXPECT_EQ(dry.removed.count, 1);
  EXPECT_EQ(evict(store, {0, 1s, false}, &report),
            (std::vector<std::string>{infohash(2)}));
  EXPECT_TRUE(report.over_quota);
  EXPECT_EQ(report.pinned.count, 1);
  EXPECT_EQ(report.pinned.bytes, 500u);
  EXPECT_EQ(report.kept.count, 1);
  EXPECT_TRUE(fs::exists(store.find_segment(infohash(1))->file));
  EXPECT_EQ(store.segment_uses(infohash(1)).size(), 2u);
  EXPECT_TRUE(store.check(false).problems.empty());

  // Once no pinned room uses it, it goes like any other, with its uses.
  store.set_room_pinned(mine, false);
  std::vector<Eviction> evicted;
  store.collect_garbage({0, std::nullopt, false},
                        [&](const Eviction &e) { evicted.push_back(e); });
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0].infohash, infohash(1));
  EXPECT_EQ(evicted[0].uses, 2);
  EXPECT_EQ(evicted[0].room, "news");
  EXPECT_FALSE(store.find_segment(mine, 4));
  EXPECT_FALSE(store.find_segment(viewed, 1));
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, AFileAFollowedCreatorsRoomSharesGoesLast) {
  Store store(store_dir(), options());
  auto random = store.add_room(bob, "random", RoomMode::vod);
  auto favourite = store.add_room(alice, "favourite", RoomMode::vod);
  store.set_creator_followed(alice, true);
  add_at(store, random, 1, 1, 100); // oldest, shared with a followed room
  add_at(store, favourite, 9, 1, 100);
  clock += 10;
  add_at(store, random, 2, 2, 100);
  clock += 10;
  add_at(store, random, 3, 3, 100);
  clock += 30 * 86400;

  GcReport report;
  // All idle: only the files no followed room uses go for idleness.
  EXPECT_EQ(evict(store, {1'000'000, 14 * 86400s, false}, &report),
            (std::vector<std::string>{infohash(2), infohash(3)}));
  EXPECT_EQ(report.followed.count, 1);
  EXPECT_TRUE(store.find_segment(random, 1));
  // The quota reaches it, after everything else.
  add_at(store, random, 4, 4, 100);
  std::vector<Eviction> evicted;
  store.collect_garbage({0, std::nullopt, false},
                        [&](const Eviction &e) { evicted.push_back(e); });
  ASSERT_EQ(evicted.size(), 2u);
  EXPECT_EQ(evicted[0].infohash, infohash(4));
  EXPECT_EQ(evicted[1].infohash, infohash(1));
  EXPECT_TRUE(evicted[1].followed);
}

TEST_F(StoreFixture, CheckFindsUsesWithoutASegmentAndSegmentsWithoutAUse) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  add(store, room, 1, 10);
  auto unused = add(store, room, 2, 20);
  add(store, room, 3, 30);
  // What a hand or a buggy writer could leave: a use of a segment row that
  // is not there, and a segment whose use was dropped.
  raw_sql(store.database_path(),
          fmt::format("INSERT INTO segment_uses (room, seq, segment) "
                      "VALUES ({}, 8, 999); "
                      "DELETE FROM segment_uses WHERE seq = 2",
                      room));
  auto report = store.check(false);
  std::map<StoreFault, std::string> found;
  for (const auto &problem : report.problems)
    found[problem.fault] = problem.subject;
  EXPECT_EQ(found.size(), 2u);
  EXPECT_EQ(found[StoreFault::dangling_use], "segment_uses");
  EXPECT_EQ(found[StoreFault::unused_segment],
            segment_file_name(infohash(2), ".ts"));
  EXPECT_FALSE(report.consistent());
  EXPECT_TRUE(fs::exists(unused.file));

  EXPECT_TRUE(store.check(true).consistent());
  EXPECT_FALSE(fs::exists(unused.file));
  EXPECT_FALSE(store.find_segment(infohash(2)));
  EXPECT_TRUE(store.check(false).problems.empty());
  EXPECT_EQ(store.segment_totals().count, 2);
  EXPECT_EQ(raw_integer(store.database_path(),
                        "SELECT segments FROM room_totals"),
            2);
}

TEST_F(StoreFixture, GcSparesAFileAddedAgainBeforeItsUnlink) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto first = add(store, room, 1, 10);
  auto second = add(store, room, 2, 20);
  // Another program adds the first segment again after its row's deletion
  // committed and before its file went (the gc's callback runs between).
  Store other(store_dir(), options());
  bool added_again = false;
  store.collect_garbage({0, std::nullopt, false}, [&](const Eviction &e) {
    if (e.infohash == first.infohash && !added_again) {
      add(other, room, 1, 10);
      added_again = true;
    }
  });
  ASSERT_TRUE(added_again);
  EXPECT_TRUE(fs::exists(first.file)) << "the file added again was unlinked";
  EXPECT_TRUE(store.find_segment(first.infohash));
  EXPECT_FALSE(fs::exists(second.file));
  auto report = store.check(false);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.pending_removals, 0);
}

TEST_F(StoreFixture, MigratesAVersion3StoreWithPendingRemovals) {
  SegmentInfo gone, kept;
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    gone = add(store, room, 1, 10);
    kept = add(store, room, 2, 20);
  }
  // Version 3 differed only in its removals table: a row per file. A crash
  // left the first segment's removal pending.
  raw_sql(store_dir() / "store.db", R"sql(
DROP TABLE pending_removals;
CREATE TABLE removals (file TEXT PRIMARY KEY) WITHOUT ROWID;
DELETE FROM segments WHERE id = 1;
INSERT INTO removals (file) VALUES (')sql" +
                                        gone.file.lexically_relative(store_dir()).string() +
                                        R"sql(');
PRAGMA user_version = 3;
)sql");
  Store store(store_dir(), options());
  EXPECT_EQ(raw_integer(store.database_path(), "PRAGMA user_version"),
            Store::schema_version);
  EXPECT_EQ(pending_removals(store), 1);
  auto report = store.check(true);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.pending_removals, 1);
  EXPECT_FALSE(fs::exists(gone.file));
  EXPECT_TRUE(fs::exists(kept.file));
  EXPECT_EQ(pending_removals(store), 0);
}

TEST_F(StoreFixture, MigratesAVersion2Store) {
  // A version 2 store as version 2 programs wrote it: each segment filed
  // under one room, in columns of its row.
  for (int n : {1, 2, 3}) {
    auto file = store_dir() / segment_file_name(infohash(n), ".ts");
    fs::create_directories(file.parent_path());
    write_all(file, std::string(static_cast<std::size_t>(n) * 10, 'x'));
  }
  raw_sql(store_dir() / "store.db", R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE creators (pk TEXT PRIMARY KEY CHECK (length(pk) = 64),
  times_watched INTEGER NOT NULL DEFAULT 0, last_watched INTEGER,
  followed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE rooms (id INTEGER PRIMARY KEY,
  creator TEXT NOT NULL REFERENCES creators(pk), name TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'vod')),
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended')),
  pinned INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,
  UNIQUE (creator, name));
CREATE TABLE records (room INTEGER NOT NULL REFERENCES rooms(id),
  seq INTEGER NOT NULL, id TEXT NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE TABLE segments (id INTEGER PRIMARY KEY,
  infohash BLOB NOT NULL CHECK (length(infohash) = 32),
  room INTEGER NOT NULL REFERENCES rooms(id), seq INTEGER NOT NULL,
  ext TEXT NOT NULL, bytes INTEGER NOT NULL, added INTEGER NOT NULL,
  last_requested INTEGER, requests_served INTEGER NOT NULL DEFAULT 0,
  bytes_uploaded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX segments_by_infohash ON segments(substr(infohash, 1, 8));
CREATE UNIQUE INDEX segments_by_room ON segments(room, seq);
CREATE INDEX segments_by_use ON segments(coalesce(last_requested, added));
CREATE VIEW segment_files AS
SELECT id, lower(hex(infohash)) AS infohash, room, seq, bytes,
       'segments/' || lower(hex(substr(infohash, 1, 1))) || '/' ||
       lower(hex(infohash)) || '.' || ext AS file
FROM segments;
CREATE TABLE removals (file TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE room_totals (room INTEGER PRIMARY KEY REFERENCES rooms(id),
  segments INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TRIGGER segments_added AFTER INSERT ON segments BEGIN
  INSERT INTO room_totals (room, segments, bytes) VALUES (new.room, 1, new.bytes)
  ON CONFLICT (room) DO UPDATE SET segments = segments + 1,
                                   bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER segments_removed AFTER DELETE ON segments BEGIN
  UPDATE room_totals SET segments = segments - 1, bytes = bytes - old.bytes
  WHERE room = old.room;
END;
CREATE TRIGGER segments_changed AFTER UPDATE OF room, bytes ON segments BEGIN
  SELECT 1;
END;
INSERT INTO creators (pk) VALUES (')sql" + alice + R"sql(');
INSERT INTO rooms (creator, name, mode, pinned, created) VALUES (')sql" + alice + R"sql(', 'mine', 'vod', 1, 1);
INSERT INTO rooms (creator, name, mode, created) VALUES (')sql" + alice + R"sql(', 'other', 'live', 1);
INSERT INTO records (room, seq, id, record) VALUES (1, 0, 'r0', X'00');
INSERT INTO segments (infohash, room, seq, ext, bytes, added, requests_served, bytes_uploaded)
  VALUES (X')sql" + infohash(1) + R"sql(', 1, 0, 'ts', 10, 5, 3, 30),
         (X')sql" + infohash(2) + R"sql(', 1, 1, 'ts', 20, 6, 0, 0),
         (X')sql" + infohash(3) + R"sql(', 2, 5, 'ts', 30, 7, 0, 0);
PRAGMA user_version = 2;
)sql");

  Store store(store_dir(), options());
  EXPECT_EQ(raw_integer(store.database_path(), "PRAGMA user_version"),
            Store::schema_version);
  // Each row's room and seq became its one use; nothing else changed.
  EXPECT_EQ(store.segment_uses(infohash(3)),
            (std::vector<SegmentUse>{{2, 5}}));
  auto first = store.find_segment(1, 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->infohash, infohash(1));
  EXPECT_EQ(first->requests_served, 3);
  EXPECT_EQ(first->bytes_uploaded, 30u);
  EXPECT_EQ(store.segment_totals().count, 3);
  EXPECT_EQ(store.segment_totals().bytes, 60u);
  EXPECT_EQ(raw_integer(store.database_path(),
                        "SELECT bytes FROM room_totals WHERE room = 1"),
            30);
  EXPECT_EQ(raw_integer(store.database_path(),
                        "SELECT count(*) FROM segment_files"),
            3);
  EXPECT_TRUE(store.record(1, 0));
  EXPECT_TRUE(store.check(false).problems.empty());

  // The other room now shares the pinned room's file: kept by gc.
  auto source = incoming / "same.ts";
  write_all(source, std::string(10, 'x'));
  store.add_segment({infohash(1), 2, 6, source, false});
  EXPECT_EQ(store.segment_totals().count, 3);
  EXPECT_EQ(evict(store, {0, std::nullopt, false}),
            (std::vector<std::string>{infohash(3)}));
  EXPECT_EQ(store.segment_uses(infohash(1)).size(), 2u);
  EXPECT_TRUE(store.check(false).problems.empty());
}

TEST_F(StoreFixture, LookupsByInfohashUseTheIndex) {
  { Store store(store_dir(), options()); }
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open((store_dir() / "store.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt *plan = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "EXPLAIN QUERY PLAN SELECT bytes FROM segments "
                               "WHERE substr(infohash, 1, 8) = substr(?1, 1, 8) "
                               "AND infohash = ?1",
                               -1, &plan, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(plan), SQLITE_ROW);
  std::string detail = reinterpret_cast<const char *>(sqlite3_column_text(plan, 3));
  sqlite3_finalize(plan);
  sqlite3_close(db);
  EXPECT_NE(detail.find("segments_by_infohash"), std::string::npos) << detail;
}

TEST(StoreGcOutput, TheEvictionLineIsWhatNlohmannJsonWouldWrite) {
  Eviction e;
  e.infohash = std::string(64, 'a');
  e.creator = std::string(64, 'b');
  e.room = "a \"quoted\" \\ room\n\x01 \xc3\xbc and a bad byte \xff";
  e.seq = -3;
  e.uses = 2;
  e.bytes = 18446744073709551615u;
  e.last_used = 1764000000;
  e.followed = true;
  e.reason = EvictionReason::idle;
  for (bool dry_run : {false, true}) {
    Json expected = {{"v", 1},
                     {"infohash", e.infohash},
                     {"creator", e.creator},
                     {"room", e.room},
                     {"seq", e.seq},
                     {"uses", e.uses},
                     {"bytes", e.bytes},
                     {"last_used", e.last_used},
                     {"followed", e.followed},
                     {"reason", "idle"},
                     {"dry_run", dry_run}};
    EXPECT_EQ(eviction_json_line(e, dry_run),
              expected.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}
