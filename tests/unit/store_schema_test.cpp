// Store: the schema and its migrations (store_schema.cpp).
#include <chrono>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "store_fixture.hpp"

using namespace hlswarm;
using namespace hlswarm::test;
using namespace std::chrono_literals;

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

TEST_F(StoreFixture, MigratesAVersion3StoreWithPendingRemovals) {
  SegmentInfo gone, kept;
  {
    Store store(store_dir(), options());
    auto room = store.add_room(alice, "talk", RoomMode::live);
    gone = add(store, room, 1, 10);
    kept = add(store, room, 2, 20);
  }
  // Version 3 differed only in its removals table: a row per file (and
  // had no imports). A crash left the first segment's removal pending.
  raw_sql(store_dir() / "store.db", R"sql(
DROP TABLE imports;
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

TEST_F(StoreFixture, MigratesAVersion4StoreToOneWithImports) {
  RoomId room = 0;
  SegmentInfo segment;
  {
    Store store(store_dir(), options());
    room = store.add_room(alice, "talk", RoomMode::vod);
    segment = add(store, room, 1, 10);
    store.put_record(room, 0, "r0", "record 0");
  }
  // Version 4 had no imports table.
  raw_sql(store_dir() / "store.db", "DROP TABLE imports; PRAGMA user_version = 4;");
  Store store(store_dir(), options());
  EXPECT_EQ(raw_integer(store.database_path(), "PRAGMA user_version"),
            Store::schema_version);
  EXPECT_EQ(store.record(room, 0), "record 0");
  EXPECT_TRUE(store.find_segment(segment.infohash));
  EXPECT_TRUE(store.unfinished_imports().empty());
  auto begun = store.begin_import({"/v/a.mp4", 1, 2, std::string(64, '0'), alice, "a"});
  store.finish_import(begun.id);
  EXPECT_EQ(store.last_import(alice, "/v/a.mp4")->room, begun.room);
  EXPECT_TRUE(store.check(false).problems.empty());
}
