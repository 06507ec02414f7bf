// Store: eviction (store_eviction.cpp) and store-gc's eviction lines.
#include <chrono>

#include <gtest/gtest.h>

#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/store/store_gc.hpp"
#include "store_fixture.hpp"

using namespace hlswarm;
using namespace hlswarm::test;
using namespace std::chrono_literals;

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
