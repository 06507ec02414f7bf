#include "hlswarm/room/room_head.hpp"

#include <gtest/gtest.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "record_fixtures.hpp"

using namespace hlswarm;

namespace {

std::string chain_info(std::uint64_t size, std::uint32_t piece = 16 * 1024,
                       std::string name = std::string(chain_torrent_name)) {
  return encode_segment_info({std::move(name), size, sha256("chain"), piece});
}

RoomHead full_head(const SignedRecord &record) {
  RoomHead head;
  head.state = RoomState::live;
  head.seq = record.fields.seq;
  head.record = record.bytes;
  head.chain_info = chain_info(1200);
  head.origins = {{"127.0.0.1", 6881}, {"2001:db8::7", 443}};
  head.time_s = 1'795'627'511;
  return head;
}

} // namespace

TEST(RoomHead, RoundTripsEveryField) {
  Identity id = creator();
  SignedRecord r0 = make_record(id, nullptr);
  SignedRecord r1 = make_record(id, &r0);
  Room room{id.public_key(), "room"};
  RoomHead head = full_head(r1);
  std::string value = encode_room_head(head);
  EXPECT_LE(value.size(), max_item_value_bytes);
  EXPECT_EQ(bencode::encode(bencode::decode(value, "t", {.max_bytes = 1000})), value)
      << "not canonical";
  RoomHead back = decode_room_head(value, room, "t");
  EXPECT_EQ(back.state, RoomState::live);
  EXPECT_EQ(back.seq, 1);
  EXPECT_EQ(back.record, r1.bytes);
  EXPECT_EQ(back.chain_info, head.chain_info);
  EXPECT_EQ(back.origins, head.origins);
  EXPECT_EQ(back.time_s, head.time_s);
}

TEST(RoomHead, BeforeTheFirstRecordHasNoSeqChainOrRecord) {
  Identity id = creator();
  RoomHead head;
  head.state = RoomState::vod;
  std::string value = encode_room_head(head);
  RoomHead back = decode_room_head(value, {id.public_key(), "room"}, "t");
  EXPECT_FALSE(back.seq);
  EXPECT_TRUE(back.record.empty());
  EXPECT_TRUE(back.chain_info.empty());
  EXPECT_EQ(back.state, RoomState::vod);
}

TEST(RoomHead, DropsTheRecordWhenTheValueWouldNotFit) {
  Identity id = creator();
  RoomHead head = full_head(make_record(id, nullptr));
  head.record = std::string(900, 'x'); // as long as a record may be
  std::string value = encode_room_head(head);
  EXPECT_LE(value.size(), max_item_value_bytes);
  EXPECT_EQ(value.find("3:rec"), std::string::npos);
  RoomHead back = decode_room_head(value, {id.public_key(), "room"}, "t");
  EXPECT_TRUE(back.record.empty());
  EXPECT_EQ(back.seq, 0);
}

TEST(RoomHead, RefusesWhatIsNotAHeadOfThisRoom) {
  Identity id = creator(), other = creator(9);
  Room room{id.public_key(), "room"};
  SignedRecord r0 = make_record(id, nullptr);
  auto value_with = [&](const std::string &key, bencode::Value v) {
    bencode::Value head = bencode::decode(encode_room_head(full_head(r0)), "t",
                                          {.max_bytes = 1000});
    bencode::Dict dict = head.dict("t");
    dict.insert_or_assign(key, std::move(v));
    return bencode::encode(bencode::Value(std::move(dict)));
  };
  EXPECT_NO_THROW(decode_room_head(encode_room_head(full_head(r0)), room, "t"));
  EXPECT_THROW(decode_room_head(value_with("v", 2), room, "t"), Error);
  EXPECT_THROW(decode_room_head(value_with("state", "paused"), room, "t"), Error);
  EXPECT_THROW(decode_room_head(value_with("x", 1), room, "t"), Error);
  EXPECT_THROW(decode_room_head(value_with("seq", 4), room, "t"), Error)
      << "its record is seq 0";
  EXPECT_THROW(decode_room_head(value_with("rec", make_record(other, nullptr).bytes),
                                room, "t"),
               Error)
      << "a record of another creator";
  EXPECT_THROW(decode_room_head(value_with("rec", make_record(id, nullptr, false, "hall").bytes),
                                room, "t"),
               Error)
      << "a record of another room";
  EXPECT_THROW(decode_room_head(value_with("pe", bencode::List{"12345"}), room, "t"), Error);
  auto chain = [](const std::string &info) {
    return bencode::decode(info, "t", {.max_bytes = 1024});
  };
  EXPECT_THROW(decode_room_head(value_with("chain", chain(chain_info(40'000))), room, "t"),
               Error)
      << "a chain torrent of several pieces";
  EXPECT_THROW(decode_room_head(value_with("chain", chain(chain_info(100, 16384, "x"))),
                                room, "t"),
               Error)
      << "another name";
  EXPECT_THROW(decode_room_head("d1:vi1ee", room, "t"), Error);
  EXPECT_THROW(decode_room_head("not bencode", room, "t"), Error);
}

TEST(CompactEndpoint, Ipv4AndIpv6RoundTrip) {
  for (HostPort endpoint : {HostPort{"192.0.2.1", 6881}, HostPort{"::1", 1},
                            HostPort{"2001:db8::ff", 65535}}) {
    std::string bytes = compact_endpoint(endpoint);
    EXPECT_EQ(bytes.size(), endpoint.host.find(':') == std::string::npos ? 6u : 18u);
    EXPECT_EQ(parse_compact_endpoint(bytes), endpoint);
  }
  EXPECT_EQ(compact_endpoint({"1.2.3.4", 0x1ae1}), std::string("\x01\x02\x03\x04\x1a\xe1", 6));
  EXPECT_FALSE(parse_compact_endpoint("12345"));
  EXPECT_THROW(compact_endpoint({"example.org", 1}), Error);
}

TEST(ChainRecords, ReadsRecordsOneAfterAnotherAndChecksEveryLink) {
  Identity id = creator();
  Room room{id.public_key(), "room"};
  SignedRecord r0 = make_record(id, nullptr);
  SignedRecord r1 = make_record(id, &r0);
  SignedRecord r2 = make_record(id, &r1, true);
  auto records = read_chain_records(r0.bytes + r1.bytes + r2.bytes, room, "t");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].bytes, r2.bytes);
  EXPECT_TRUE(read_chain_records("", room, "t").empty());

  EXPECT_THROW(read_chain_records(r0.bytes + r2.bytes, room, "t"), Error) << "a gap";
  EXPECT_THROW(read_chain_records(r1.bytes, room, "t"), Error) << "not from seq 0";
  EXPECT_THROW(read_chain_records(r0.bytes + r1.bytes + "x", room, "t"), Error);
  EXPECT_THROW(read_chain_records(r0.bytes + r1.bytes.substr(0, 50), room, "t"), Error)
      << "a torn record";
  EXPECT_THROW(read_chain_records(r0.bytes, {id.public_key(), "hall"}, "t"), Error);
  SignedRecord after_end = make_record(id, &r2);
  EXPECT_THROW(read_chain_records(r0.bytes + r1.bytes + r2.bytes + after_end.bytes, room, "t"),
               Error)
      << "nothing after the end record";
  std::string tampered = r0.bytes + r1.bytes;
  tampered[r0.bytes.size() + 40] ^= 1;
  EXPECT_THROW(read_chain_records(tampered, room, "t"), Error);
  // fMP4: init_seq must name an init record.
  SignedRecord init = make_init_record(id, &r1);
  SignedRecord fragment = make_fmp4_record(id, init, 2);
  EXPECT_EQ(read_chain_records(r0.bytes + r1.bytes + init.bytes + fragment.bytes,
                               room, "t").size(), 4u);
  SignedRecord names_segment = make_fmp4_record(id, init, 1);
  EXPECT_THROW(read_chain_records(r0.bytes + r1.bytes + init.bytes +
                                      names_segment.bytes, room, "t"),
               Error);
}

TEST(Bencode, LeadingValueLengthSplitsValuesWrittenOneAfterAnother) {
  EXPECT_EQ(bencode::leading_value_length("i42e3:abc", "t"), 4u);
  EXPECT_EQ(bencode::leading_value_length("d1:ai1ee", "t"), 8u);
  EXPECT_THROW(bencode::leading_value_length("d1:bi1e1:ai1ee", "t"), Error);
  EXPECT_THROW(bencode::leading_value_length("l", "t"), Error);
  EXPECT_THROW(bencode::leading_value_length("5:abcdefgh", "t", {.max_bytes = 4}), Error);
}
