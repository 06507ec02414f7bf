#include "hlswarm/room/creator_channel.hpp"

#include <map>

#include <gtest/gtest.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/store/store.hpp"
#include "record_fixtures.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

CreatorChannel two_rooms(const PublicKey &key) {
  CreatorChannel channel;
  channel.creator = key;
  channel.rooms = {{"evening show", RoomState::ended, 1'795'000'000, 450, 3'582'000'000},
                   {"film", RoomState::vod, 1'795'000'100, 75, 600'000'000}};
  return channel;
}

std::string list_info(std::uint64_t size, std::uint32_t piece = 16 * 1024,
                      std::string name = std::string(channel_list_name)) {
  return encode_segment_info({std::move(name), size, sha256("list"), piece});
}

ChannelHead a_head() {
  ChannelHead head;
  head.list_info = list_info(300);
  head.rooms = 2;
  head.origins = {{"127.0.0.1", 6881}, {"2001:db8::7", 443}};
  head.time_s = 1'795'627'511;
  return head;
}

// Error(data), as a hostile list or head must give.
template <typename F> void expect_data_error(F decode, const char *why) {
  try {
    decode();
    ADD_FAILURE() << "accepted: " << why;
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data) << why << ": " << e.what();
  }
}

} // namespace

TEST(ChannelList, RoundTripsEveryField) {
  Identity id = creator();
  CreatorChannel channel = two_rooms(id.public_key());
  std::string bytes = encode_channel_list(channel);
  EXPECT_EQ(bencode::encode(bencode::decode(bytes, "t", {.max_bytes = 4096})), bytes)
      << "not canonical";
  CreatorChannel back = decode_channel_list(bytes, id.public_key(), "t");
  EXPECT_EQ(back.creator, id.public_key());
  EXPECT_EQ(back.rooms, channel.rooms);
}

TEST(ChannelList, RefusesAnotherCreatorsList) {
  std::string bytes = encode_channel_list(two_rooms(creator(3).public_key()));
  expect_data_error([&] { decode_channel_list(bytes, creator(4).public_key(), "t"); },
                    "a list whose pk is another creator's");
}

TEST(ChannelList, RefusesTruncatedAndTrailingBytes) {
  Identity id = creator();
  std::string bytes = encode_channel_list(two_rooms(id.public_key()));
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1})
    expect_data_error([&] { decode_channel_list(bytes.substr(0, cut), id.public_key(), "t"); },
                      "a truncated list");
  expect_data_error([&] { decode_channel_list(bytes + "e", id.public_key(), "t"); },
                    "trailing bytes");
}

TEST(ChannelList, RefusesRoomsOutOfOrderRepeatedOrBadlyNamed) {
  Identity id = creator();
  auto with_rooms = [&](bencode::List rooms) {
    return bencode::encode(bencode::Dict{
        {"pk", std::string(id.public_key().begin(), id.public_key().end())},
        {"rooms", std::move(rooms)},
        {"v", 1}});
  };
  auto room = [](std::string name, std::int64_t created, std::string state = "live") {
    return bencode::Dict{{"created", created}, {"dur", 0}, {"name", std::move(name)},
                         {"segs", 0}, {"state", std::move(state)}};
  };
  EXPECT_NO_THROW(decode_channel_list(with_rooms({room("a", 1), room("b", 1)}),
                                      id.public_key(), "t"));
  expect_data_error([&] { decode_channel_list(with_rooms({room("b", 1), room("a", 1)}),
                                              id.public_key(), "t"); },
                    "rooms out of order");
  expect_data_error([&] { decode_channel_list(with_rooms({room("a", 1), room("a", 2)}),
                                              id.public_key(), "t"); },
                    "a room listed twice");
  expect_data_error([&] { decode_channel_list(with_rooms({room("", 1)}), id.public_key(), "t"); },
                    "an empty room name");
  expect_data_error([&] { decode_channel_list(with_rooms({room("a", 1, "paused")}),
                                              id.public_key(), "t"); },
                    "an unknown state");
  expect_data_error([&] { decode_channel_list(with_rooms({room("a", -1)}), id.public_key(), "t"); },
                    "a negative time");
  bencode::Dict extra = room("a", 1);
  extra.emplace("x", 1);
  expect_data_error([&] { decode_channel_list(with_rooms({extra}), id.public_key(), "t"); },
                    "an unknown key");
}

TEST(ChannelList, RefusesTooManyRoomsOrBytes) {
  Identity id = creator();
  CreatorChannel channel;
  channel.creator = id.public_key();
  for (std::size_t i = 0; i <= max_channel_rooms; ++i)
    channel.rooms.push_back({"room " + std::to_string(100000 + i), RoomState::vod,
                             static_cast<std::int64_t>(i), 1, 1});
  EXPECT_THROW(encode_channel_list(channel), Error);
  channel.rooms.pop_back();
  std::string bytes = encode_channel_list(channel);
  EXPECT_NO_THROW(decode_channel_list(bytes, id.public_key(), "t"));
  // One room more, encoded by hand as a hostile publisher would.
  std::string one_more = bytes.substr(0, bytes.size() - std::string("e1:vi1ee").size()) +
                         "d7:createdi999999e3:duri0e4:name1:z4:segsi0e5:state4:livee" +
                         "e1:vi1ee";
  expect_data_error([&] { decode_channel_list(one_more, id.public_key(), "t"); },
                    "more than max_channel_rooms rooms");
  expect_data_error([&] {
    decode_channel_list(std::string(max_channel_list_bytes + 1, 'd'), id.public_key(), "t");
  }, "more than max_channel_list_bytes");
}

TEST(ChannelHead, RoundTripsAndStaysUnder1000Bytes) {
  ChannelHead head = a_head();
  head.origins.resize(8, {"2001:db8::8", 65535});
  std::string value = encode_channel_head(head);
  EXPECT_LE(value.size(), max_item_value_bytes);
  ChannelHead back = decode_channel_head(value, "t");
  EXPECT_EQ(back.list_info, head.list_info);
  EXPECT_EQ(back.rooms, head.rooms);
  EXPECT_EQ(back.origins, head.origins);
  EXPECT_EQ(back.time_s, head.time_s);
}

TEST(ChannelHead, RefusesHostileValues) {
  std::string value = encode_channel_head(a_head());
  for (std::size_t cut : {std::size_t{1}, value.size() / 2, value.size() - 1})
    expect_data_error([&] { decode_channel_head(value.substr(0, cut), "t"); }, "truncated");
  auto with = [](auto change) {
    ChannelHead head = a_head();
    change(head);
    return encode_channel_head(head);
  };
  expect_data_error([&] { decode_channel_head(with([](ChannelHead &h) {
                      h.list_info = list_info(300, 16 * 1024, "chain.records"); }), "t"); },
                    "a list torrent of another name");
  expect_data_error([&] { decode_channel_head(with([](ChannelHead &h) {
                      h.list_info = list_info(2 * 1024 * 1024, 4 * 1024 * 1024); }), "t"); },
                    "a list over max_channel_list_bytes");
  expect_data_error([&] { decode_channel_head(with([](ChannelHead &h) {
                      h.list_info = list_info(40000, 16 * 1024); }), "t"); },
                    "a list of several pieces");
  expect_data_error([&] { decode_channel_head(with([](ChannelHead &h) { h.rooms = -1; }), "t"); },
                    "a negative room count");
  expect_data_error([&] { decode_channel_head(with([](ChannelHead &h) {
                      h.origins.resize(9, {"127.0.0.1", 1}); }), "t"); },
                    "more than 8 origins");
}

using ChannelStore = test::TempFolderTest;

TEST_F(ChannelStore, ListsTheCreatorsRoomsButUnfinishedVideos) {
  Identity id = creator();
  Identity other = creator(5);
  Store store(folder_ / "store");
  RoomId show = store.add_room(id.public_key_hex(), "room", RoomMode::live);
  SignedRecord r0 = make_record(id, nullptr);
  SignedRecord r1 = make_record(id, &r0);
  SignedRecord end = make_record(id, &r1, true);
  for (const auto *record : {&r0, &r1, &end})
    store.put_record(show, record->fields.seq, to_hex(digest_bytes(record->id)), record->bytes);
  store.set_room_ended(show, true);
  RoomId film = store.add_room(id.public_key_hex(), "film", RoomMode::vod);
  store.add_room(id.public_key_hex(), "unfinished", RoomMode::vod);
  store.set_room_ended(film, true);
  store.add_room(other.public_key_hex(), "not theirs", RoomMode::live);

  CreatorChannel channel = channel_from_store(store, id.public_key());
  ASSERT_EQ(channel.rooms.size(), 2u);
  std::map<std::string, ChannelEntry> by_name;
  for (const auto &entry : channel.rooms)
    by_name[entry.name] = entry;
  ASSERT_TRUE(by_name.count("room"));
  EXPECT_EQ(by_name["room"].state, RoomState::ended);
  EXPECT_EQ(by_name["room"].segments, 2);
  EXPECT_EQ(by_name["room"].duration_us, 2 * 7'960'000);
  ASSERT_TRUE(by_name.count("film"));
  EXPECT_EQ(by_name["film"].state, RoomState::vod);
  EXPECT_EQ(by_name["film"].segments, 0);
  EXPECT_NO_THROW(decode_channel_list(encode_channel_list(channel), id.public_key(), "t"));
}
