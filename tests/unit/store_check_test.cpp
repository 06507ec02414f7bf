// Store: check and repair (store_check.cpp).
#include <chrono>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/merkle.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "store_fixture.hpp"

using namespace hlswarm;
using namespace hlswarm::test;
using namespace std::chrono_literals;

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

namespace {

/// Adds `bytes` as segment `seq` of `room` with a record whose info dict
/// describes them, as seg-chain or a viewer stores them: the infohash is
/// the SHA-256 of that info dict.
SegmentInfo add_with_record(StoreFixture &fixture, Store &store, RoomId room,
                            std::int64_t seq, const std::string &bytes) {
  auto source = fixture.incoming / fmt::format("seg{}.ts", seq);
  write_all(source, bytes);
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  auto root = merkle_root_of_file(fd, bytes.size(), source.string());
  ::close(fd);
  bencode::Dict file{{"length", static_cast<std::int64_t>(bytes.size())},
                     {"pieces root", digest_bytes(root)}};
  bencode::Dict info{
      {"file tree", bencode::Dict{{source.filename().string(),
                                   bencode::Dict{{"", std::move(file)}}}}},
      {"meta version", 2},
      {"name", source.filename().string()},
      {"piece length", 65536}};
  auto info_dict = bencode::encode(info);
  auto infohash = to_hex(digest_bytes(sha256(info_dict)));
  // The record carries the info dict's bytes as a string (record.hpp).
  auto record =
      bencode::encode(bencode::Dict{{"info", info_dict}, {"seq", seq}});
  auto added = store.add_segment({infohash, room, seq, source, false});
  store.put_record(room, seq, to_hex(digest_bytes(sha256(record))), record);
  return added;
}

/// Flips the lowest bit of the byte at `offset` of `path`.
void flip_bit(const fs::path &path, std::size_t offset) {
  auto bytes = read_whole_file(path);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 1);
  write_all(path, bytes);
}

} // namespace

TEST_F(StoreFixture, DeepCheckFindsAndRemovesAFileWithFlippedBytes) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  auto good = add_with_record(*this, store, room, 0, std::string(40000, 'g'));
  auto bad = add_with_record(*this, store, room, 1, std::string(70000, 'b'));
  add(store, room, 9, 100); // no record: cannot be hashed
  CheckOptions deep;
  deep.deep = true;
  auto report = store.check(deep);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.hashed, 2);
  EXPECT_EQ(report.unverifiable, 1);

  flip_bit(bad.file, 50000);
  EXPECT_TRUE(store.check(false).problems.empty()) << "sizes still agree";
  report = store.check(deep);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].fault, StoreFault::corrupt_file);
  EXPECT_EQ(report.problems[0].subject,
            bad.file.lexically_relative(store_dir()).string());
  EXPECT_FALSE(report.consistent());
  EXPECT_TRUE(fs::exists(bad.file)) << "a check changes nothing";

  deep.repair = true;
  EXPECT_TRUE(store.check(deep).consistent());
  EXPECT_FALSE(fs::exists(bad.file));
  EXPECT_FALSE(store.find_segment(bad.infohash));
  EXPECT_TRUE(fs::exists(good.file));
  deep.repair = false;
  report = store.check(deep);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.hashed, 1);
}

TEST_F(StoreFixture, CheckReportsItsProgress) {
  Store store(store_dir(), options());
  auto room = store.add_room(alice, "talk", RoomMode::live);
  add_with_record(*this, store, room, 0, "segment bytes");
  std::map<std::string, std::int64_t> calls;
  CheckOptions watched;
  watched.deep = true;
  watched.progress = [&](const CheckProgress &p) { calls[std::string(p.phase)] += 1; };
  store.check(watched);
  EXPECT_GE(calls["rows"], 1);
  EXPECT_GE(calls["files"], 1);
  EXPECT_GE(calls["hashing"], 1);
}
