// The room channel between real libtorrent sessions on loopback: records
// pushed hop by hop, a newcomer catching up from the handshake, a want
// answered, audits of a holder.
#include "hlswarm/net/room_channel.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "hlswarm/net/node.hpp"
#include "loopback_node.hpp"
#include "record_fixtures.hpp"
#include "temp_folder.hpp"

namespace hlswarm {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using test::loopback_node;

HostPort where(const Node &node) { return node.listen_endpoints().front(); }

/// Records 0..count-1 of the test room.
std::vector<SignedRecord> chain_of(int count) {
  std::vector<SignedRecord> records;
  for (int i = 0; i < count; ++i)
    records.push_back(make_record(creator(), records.empty() ? nullptr : &records.back()));
  return records;
}

Room test_room() { return {creator().public_key(), "room"}; }

TEST(RoomChannel, TorrentContentDependsOnTheRoomOnly) {
  Room other{creator(4).public_key(), "room"};
  EXPECT_EQ(room_torrent_content(test_room()), room_torrent_content(test_room()));
  EXPECT_NE(room_torrent_content(test_room()), room_torrent_content(other));
}

TEST(RoomChannel, PushesRecordsTwoHopsAndCatchesUpANewcomer) {
  auto records = chain_of(3);
  Node a(loopback_node("127.0.0.91:0")), b(loopback_node("127.0.0.92:0"));
  auto channel_a = a.join_room(test_room());
  auto channel_b = b.join_room(test_room());
  channel_a->add(records[0]);
  channel_b->connect({where(a)});
  // The handshake carries the newest record.
  ASSERT_TRUE(channel_b->wait_for(0, seconds(10)));

  Node c(loopback_node("127.0.0.93:0"));
  auto channel_c = c.join_room(test_room());
  channel_c->connect({where(b)}); // C knows only B
  ASSERT_TRUE(channel_c->wait_for(0, seconds(10)));

  channel_a->add(records[1]);
  channel_a->add(records[2]);
  bool at_c = channel_c->wait_for(2, seconds(10));
  EXPECT_TRUE(at_c) << "pushed A -> B -> C; A sent " << channel_a->counters().records_sent
                    << ", A members " << channel_a->counters().members << ", B has "
                    << channel_b->newest_seq().value_or(-1) << ", B sent "
                    << channel_b->counters().records_sent << ", B members "
                    << channel_b->counters().members;
  EXPECT_TRUE(channel_c->wait_for(1, seconds(10)));
  EXPECT_EQ(channel_c->record(2)->bytes, records[2].bytes);
  EXPECT_EQ(channel_c->newest_seq(), 2);
  EXPECT_GT(channel_c->known_ms(2), 0);
  EXPECT_EQ(channel_c->counters().rejected, 0);
  EXPECT_FALSE(channel_b->members().empty());
}

TEST(RoomChannel, AnswersAWantForRecordsItMissed) {
  auto records = chain_of(5);
  Node a(loopback_node("127.0.0.94:0")), b(loopback_node("127.0.0.95:0"));
  auto channel_a = a.join_room(test_room());
  for (const auto &record : records)
    channel_a->add(record);
  auto channel_b = b.join_room(test_room());
  channel_b->connect({where(a)});
  ASSERT_TRUE(channel_b->wait_for(4, seconds(10))); // from the handshake
  EXPECT_FALSE(channel_b->record(1));
  channel_b->request(0, 3);
  for (int seq = 0; seq < 4; ++seq)
    EXPECT_TRUE(channel_b->wait_for(seq, seconds(10))) << seq;
  EXPECT_EQ(channel_b->counters().wants_sent, 1);
}

TEST(RoomChannel, HandsTheRoomHeadOnWithoutTheDht) {
  // A is alone on its DHT: B and C have no DHT node to ask, only the channel.
  Node a(loopback_node("127.0.0.97:0")), b(loopback_node("127.0.0.98:0"));
  auto first = a.put_item(creator(), "room", "d1:ai1ee", milliseconds(0));
  auto channel_a = a.join_room(test_room()); // joined after the put
  auto channel_b = b.join_room(test_room());
  channel_b->connect({where(a)});
  ASSERT_TRUE(channel_b->wait_for_head(seconds(10)));
  EXPECT_EQ(channel_b->head()->seq, first.seq);
  EXPECT_EQ(channel_b->head()->value, "d1:ai1ee");

  Node c(loopback_node("127.0.0.99:0"));
  auto channel_c = c.join_room(test_room());
  channel_c->connect({where(b)}); // C knows only B
  ASSERT_TRUE(channel_c->wait_for_head(seconds(10)));
  EXPECT_EQ(channel_c->head()->seq, first.seq);

  // A newer head (joined before the put now) reaches both, hop by hop.
  auto second = a.put_item(creator(), "room", "d1:ai2ee", milliseconds(0));
  ASSERT_TRUE(channel_c->wait_for_head(seconds(10), first.seq));
  EXPECT_EQ(channel_c->head()->seq, second.seq);
  EXPECT_EQ(channel_c->head()->value, "d1:ai2ee");
  EXPECT_EQ(channel_c->counters().rejected, 0);
  // Another room's channel on the same node got nothing.
  EXPECT_FALSE(a.join_room({creator().public_key(), "other"})->head());
}

TEST(RoomChannel, RefusesARecordOfAnotherRoom) {
  auto other = make_record(creator(), nullptr, false, "another room");
  Node a(loopback_node("127.0.0.96:0"));
  auto channel = a.join_room(test_room());
  EXPECT_THROW(channel->add(other), Error);
  EXPECT_FALSE(channel->newest_seq());
}

/// A file of `size` patterned bytes.
void write_segment(const std::filesystem::path &file, std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>((i * 151) ^ (i >> 11));
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
}

/// Flips one byte of `file` in place (libtorrent keeps serving the inode).
void flip_byte(const std::filesystem::path &file, std::streamoff at) {
  std::fstream stream(file, std::ios::binary | std::ios::in | std::ios::out);
  stream.seekg(at);
  char byte = 0;
  stream.get(byte);
  stream.seekp(at);
  stream.put(static_cast<char>(byte ^ 1));
}

TEST(RoomChannel, AuditVerifiesAHolderAndCatchesOneThatIsNot) {
  test::TempFolder dir;
  // 5 blocks and a bit (a tree with padding), 3 segments: one held whole,
  // one not held, one damaged after it was seeded.
  const std::size_t size = 5 * merkle_block_size + 1234;
  for (const char *name : {"held.ts", "absent.ts", "damaged.ts"})
    write_segment(dir / name, size);
  flip_byte(dir / "absent.ts", 3); // other bytes, other info dict
  std::string held = make_v2_info_dict(dir / "held.ts", 64 * 1024);
  std::string absent = make_v2_info_dict(dir / "absent.ts", 64 * 1024);
  std::string damaged = make_v2_info_dict(dir / "damaged.ts", 64 * 1024);

  Node holder(loopback_node("127.0.0.97:0")), auditor(loopback_node("127.0.0.98:0"));
  auto holding = holder.join_room(test_room());
  holder.seed(dir / "held.ts", held);
  holder.seed(dir / "damaged.ts", damaged);
  flip_byte(dir / "damaged.ts", 2 * merkle_block_size + 100);
  auto channel = auditor.join_room(test_room());

  // audit() connects to a member it is not connected to yet.
  for (std::int64_t block : {0, 2, 5})
    EXPECT_EQ(channel->audit(where(holder), held, block, seconds(10)), AuditResult::verified)
        << "block " << block;
  EXPECT_EQ(channel->audit(where(holder), absent, 1, seconds(10)), AuditResult::not_held);
  // The damaged block itself, and another one: the proof is made from the
  // file as it is now, so it leads to another root either way.
  EXPECT_EQ(channel->audit(where(holder), damaged, 2, seconds(10)), AuditResult::corrupt);
  EXPECT_EQ(channel->audit(where(holder), damaged, 4, seconds(10)), AuditResult::corrupt);
  EXPECT_THROW(channel->audit(where(holder), held, 6, seconds(1)), Error);
  // More audits than the holder answers in a second: the asker keeps to
  // the holder's rate, so none goes unanswered.
  for (int i = 0; i < 2 * audit_answers_per_second; ++i)
    EXPECT_EQ(channel->audit(where(holder), held, i % 6, seconds(3)), AuditResult::verified)
        << "audit " << i;
  // Nobody listens there: no answer, within the timeout.
  EXPECT_EQ(channel->audit({"127.0.0.99", 9}, held, 0, milliseconds(500)),
            AuditResult::no_answer);

  auto counters = holding->counters();
  EXPECT_EQ(counters.audits_answered, 5 + 2 * audit_answers_per_second);
  EXPECT_EQ(counters.audits_not_held, 1);
  EXPECT_EQ(channel->counters().peers_dropped, 0);
  EXPECT_EQ(holding->counters().peers_dropped, 0);
}

} // namespace
} // namespace hlswarm
