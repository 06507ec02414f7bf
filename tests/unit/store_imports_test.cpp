// Store: removing a room whole, and the imports table (store_imports.cpp).
#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "store_fixture.hpp"

using namespace hlswarm;
using namespace hlswarm::test;

namespace {

const std::string content_hash(64, '5');

NewImport new_import(const std::string &name, const std::string &creator = alice) {
  return {"/videos/" + name + ".mp4", 1000, 1'700'000'000'123'456'789,
          content_hash, creator, name};
}

} // namespace

TEST_F(StoreFixture, RemoveRoomTakesItsRecordsUsesAndTheFilesOnlyItUses) {
  Store store(store_dir(), options());
  auto doomed = store.add_room(alice, "doomed", RoomMode::vod);
  auto other = store.add_room(alice, "other", RoomMode::vod);
  auto own = add_at(store, doomed, 0, 1, 100);
  auto shared = add_at(store, doomed, 1, 2, 200);
  add_at(store, other, 0, 2, 200);
  store.put_record(doomed, 0, "r0", "record 0");
  store.put_record(other, 0, "o0", "other 0");

  EXPECT_TRUE(store.remove_room(doomed));
  EXPECT_FALSE(store.room(doomed));
  EXPECT_FALSE(store.record(doomed, 0));
  EXPECT_FALSE(store.find_segment(own.infohash));
  EXPECT_FALSE(fs::exists(own.file));
  // The file the other room uses stays, with that use only.
  EXPECT_TRUE(fs::exists(shared.file));
  EXPECT_EQ(store.segment_uses(shared.infohash), (std::vector<SegmentUse>{{other, 0}}));
  EXPECT_EQ(store.record(other, 0), "other 0");
  EXPECT_EQ(store.segment_totals().count, 1);
  EXPECT_EQ(raw_integer(store.database_path(),
                        fmt::format("SELECT count(*) FROM room_totals WHERE room = {}", doomed)),
            0);
  EXPECT_EQ(pending_removals(store), 0);
  EXPECT_TRUE(store.creator(alice)); // the creator stays
  EXPECT_TRUE(store.check(false).problems.empty());
  EXPECT_FALSE(store.remove_room(doomed));
  // The name is free again.
  EXPECT_NE(store.add_room(alice, "doomed", RoomMode::live), 0);
}

TEST_F(StoreFixture, AnImportBeginsWithAPinnedVodRoomAndAnUnfinishedRow) {
  Store store(store_dir(), options());
  auto begun = store.begin_import(new_import("talk"));
  auto room = store.room(begun.room);
  ASSERT_TRUE(room);
  EXPECT_EQ(room->name, "talk");
  EXPECT_EQ(room->creator, alice);
  EXPECT_EQ(room->mode, RoomMode::vod);
  EXPECT_TRUE(room->pinned);
  EXPECT_FALSE(room->ended);
  EXPECT_FALSE(begun.done);
  EXPECT_EQ(begun.started, clock);

  auto unfinished = store.unfinished_imports();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].id, begun.id);
  EXPECT_EQ(unfinished[0].path, "/videos/talk.mp4");
  EXPECT_EQ(unfinished[0].mtime_ns, 1'700'000'000'123'456'789);
  // Not done: not an import of the file yet.
  EXPECT_FALSE(store.last_import(alice, "/videos/talk.mp4"));

  store.finish_import(begun.id);
  EXPECT_TRUE(store.unfinished_imports().empty());
  auto done = store.last_import(alice, "/videos/talk.mp4");
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->done);
  EXPECT_EQ(done->room, begun.room);
  EXPECT_EQ(done->sha256, content_hash);
  EXPECT_EQ(done->size, 1000u);
  // Another creator's import of the same path is not this one's.
  EXPECT_FALSE(store.last_import(bob, "/videos/talk.mp4"));
}

TEST_F(StoreFixture, AnImportOfATakenRoomNameIsRefusedWithNothingAdded) {
  Store store(store_dir(), options());
  store.add_room(alice, "talk", RoomMode::live);
  EXPECT_THROW(store.begin_import(new_import("talk")), Error);
  EXPECT_TRUE(store.unfinished_imports().empty());
  EXPECT_EQ(raw_integer(store.database_path(), "SELECT count(*) FROM rooms"), 1);
  // Bob may have a room of that name.
  EXPECT_NO_THROW(store.begin_import(new_import("talk", bob)));
}

TEST_F(StoreFixture, TheNewestDoneImportOfAPathCountsAndATouchIsRecorded) {
  Store store(store_dir(), options());
  auto first = store.begin_import(new_import("talk"));
  store.finish_import(first.id);
  auto changed = new_import("talk (2)");
  changed.path = "/videos/talk.mp4";
  changed.sha256 = std::string(64, '6');
  auto second = store.begin_import(changed);
  store.finish_import(second.id);
  EXPECT_EQ(store.last_import(alice, "/videos/talk.mp4")->id, second.id);

  store.update_import_file(second.id, 2000, 42);
  auto touched = store.last_import(alice, "/videos/talk.mp4");
  EXPECT_EQ(touched->size, 2000u);
  EXPECT_EQ(touched->mtime_ns, 42);
  EXPECT_EQ(touched->sha256, std::string(64, '6'));
  EXPECT_THROW(store.update_import_file(999, 1, 1), Error);
  EXPECT_THROW(store.finish_import(999), Error);
}

TEST_F(StoreFixture, RemovingTheRoomOfAnUnfinishedImportRollsItBack) {
  Store store(store_dir(), options());
  auto begun = store.begin_import(new_import("talk"));
  add_at(store, begun.room, 0, 1, 100);
  store.put_record(begun.room, 0, "r0", "record 0");
  EXPECT_TRUE(store.remove_room(begun.room));
  EXPECT_TRUE(store.unfinished_imports().empty());
  EXPECT_FALSE(store.find_room(alice, "talk"));
  EXPECT_EQ(store.segment_totals().count, 0);
  EXPECT_TRUE(store.check(false).problems.empty());
  // Done again from the start.
  auto again = store.begin_import(new_import("talk"));
  store.finish_import(again.id);
  EXPECT_TRUE(store.last_import(alice, "/videos/talk.mp4"));
}

TEST_F(StoreFixture, ImportsNeedAWritableStore) {
  { Store store(store_dir(), options()); }
  Store store(store_dir(), options(true));
  EXPECT_THROW(store.begin_import(new_import("talk")), Error);
  EXPECT_THROW(store.remove_room(1), Error);
  EXPECT_TRUE(store.unfinished_imports().empty());
}
