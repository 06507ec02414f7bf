// Store: opening, rooms, records, segments, removals, accounting
// (store.cpp, store_rooms.cpp, store_segments.cpp, store_removals.cpp,
// store_accounting.cpp).
#include <chrono>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "store_fixture.hpp"

using namespace hlswarm;
using namespace hlswarm::test;
using namespace std::chrono_literals;

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
