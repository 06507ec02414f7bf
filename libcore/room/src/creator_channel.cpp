// A creator's channel: the list of their rooms and the head naming it.
#include "hlswarm/room/creator_channel.hpp"

#include <set>
#include <tuple>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/transfer_stats.hpp"
#include "hlswarm/room/room_server.hpp" // reachable_endpoints
#include "hlswarm/store/store.hpp"
#include "hlswarm/store/store_layout.hpp"
#include "bencode_fields.hpp"

namespace hlswarm {
namespace {

using Clock = std::chrono::steady_clock;

// A room is a dictionary of five keys (eleven values with them); a list of
// max_channel_rooms fits, and nothing much larger does.
constexpr bencode::Limits list_limits{.max_bytes = max_channel_list_bytes,
                                      .max_depth = 3,
                                      .max_items = max_channel_rooms * 11 + 16};
constexpr bencode::Limits head_limits{.max_bytes = max_item_value_bytes,
                                      .max_depth = 6, .max_items = 64};
// Origin endpoints a head may list, as a room head.
constexpr std::size_t max_origins = 8;

// Rooms are listed oldest first, then by name: one order, one encoding.
bool listed_before(const ChannelEntry &a, const ChannelEntry &b) {
  return std::tie(a.created_s, a.name) < std::tie(b.created_s, b.name);
}

std::int64_t in_range(const bencode::Value &value, std::string_view key,
                      std::string_view what) {
  std::int64_t number = value.integer(key);
  if (number < 0 || number > max_record_integer)
    throw Error(Exit::data, what, fmt::format("{} {} out of range", key, number));
  return number;
}

ChannelEntry decode_entry(const bencode::Value &value, std::string_view what) {
  const bencode::Dict &dict = value.dict("room");
  expect_exact_keys(dict, {"created", "dur", "name", "segs", "state"}, what, "room");
  ChannelEntry entry;
  entry.name = dict.find("name")->second.string("name");
  if (auto problem = room_name_problem(entry.name))
    throw Error(Exit::data, what, *problem);
  auto state = room_state_from_string(dict.find("state")->second.string("state"));
  if (!state)
    throw Error(Exit::data, what,
                fmt::format("room '{}': state is not live, ended or vod", entry.name));
  entry.state = *state;
  entry.created_s = in_range(dict.find("created")->second, "created", what);
  entry.segments = in_range(dict.find("segs")->second, "segs", what);
  entry.duration_us = in_range(dict.find("dur")->second, "dur", what);
  return entry;
}

} // namespace

std::string encode_channel_list(const CreatorChannel &channel) {
  if (channel.rooms.size() > max_channel_rooms)
    throw Error(Exit::software, "channel list",
                fmt::format("{} rooms, at most {}", channel.rooms.size(),
                            max_channel_rooms));
  bencode::List rooms;
  for (std::size_t i = 0; i < channel.rooms.size(); ++i) {
    const ChannelEntry &room = channel.rooms[i];
    if (i > 0 && !listed_before(channel.rooms[i - 1], room))
      throw Error(Exit::software, "channel list",
                  fmt::format("room '{}' out of order or repeated", room.name));
    rooms.emplace_back(bencode::Dict{{"created", room.created_s},
                                     {"dur", room.duration_us},
                                     {"name", room.name},
                                     {"segs", room.segments},
                                     {"state", std::string(to_string(room.state))}});
  }
  std::string bytes = bencode::encode(bencode::Dict{
      {"pk", std::string(channel.creator.begin(), channel.creator.end())},
      {"rooms", std::move(rooms)},
      {"v", channel_version}});
  if (bytes.size() > max_channel_list_bytes)
    throw Error(Exit::software, "channel list",
                fmt::format("{} bytes, at most {}", bytes.size(), max_channel_list_bytes));
  return bytes;
}

CreatorChannel decode_channel_list(std::string_view bytes, const PublicKey &creator,
                                   std::string_view what) {
  bencode::Value decoded = bencode::decode(bytes, what, list_limits);
  const bencode::Dict &dict = decoded.dict("channel list");
  expect_exact_keys(dict, {"pk", "rooms", "v"}, what, "channel list");
  if (auto v = dict.find("v")->second.integer("v"); v != channel_version)
    throw Error(Exit::data, what,
                fmt::format("channel list: version {} is not {}", v, channel_version));
  const std::string &pk = dict.find("pk")->second.string("pk");
  if (pk != std::string_view(creator.data(), creator.size()))
    throw Error(Exit::data, what,
                fmt::format("channel list of creator {}, not {}",
                            pk.size() == 32 ? to_hex(pk) : "(not a key)",
                            public_key_hex(creator)));
  const bencode::List &rooms = dict.find("rooms")->second.list("rooms");
  if (rooms.size() > max_channel_rooms)
    throw Error(Exit::data, what,
                fmt::format("{} rooms, at most {}", rooms.size(), max_channel_rooms));
  CreatorChannel channel;
  channel.creator = creator;
  std::set<std::string> names;
  for (const auto &room : rooms) {
    ChannelEntry entry = decode_entry(room, what);
    if (!channel.rooms.empty() && !listed_before(channel.rooms.back(), entry))
      throw Error(Exit::data, what,
                  fmt::format("room '{}' out of order", entry.name));
    if (!names.insert(entry.name).second)
      throw Error(Exit::data, what, fmt::format("room '{}' listed twice", entry.name));
    channel.rooms.push_back(std::move(entry));
  }
  return channel;
}

std::string encode_channel_head(const ChannelHead &head) {
  bencode::List origins;
  for (const auto &origin : head.origins)
    origins.emplace_back(compact_endpoint(origin));
  std::string value = bencode::encode(bencode::Dict{
      {"list", bencode::decode(head.list_info, "channel list info dict",
                               {.max_bytes = 1024, .max_depth = 5, .max_items = 16})},
      {"n", head.rooms},
      {"pe", std::move(origins)},
      {"t", head.time_s},
      {"v", channel_version}});
  if (value.size() > max_item_value_bytes)
    throw Error(Exit::software, "channel head", fmt::format("{} bytes", value.size()));
  return value;
}

ChannelHead decode_channel_head(std::string_view value, std::string_view what) {
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, what, fmt::format("channel head: {}", reason));
  };
  bencode::Value decoded = bencode::decode(value, what, head_limits);
  const bencode::Dict &dict = decoded.dict("channel head");
  expect_exact_keys(dict, {"list", "n", "pe", "t", "v"}, what, "channel head");
  if (auto v = dict.find("v")->second.integer("v"); v != channel_version)
    throw fail(fmt::format("version {} is not {}", v, channel_version));
  ChannelHead head;
  head.rooms = dict.find("n")->second.integer("n");
  if (head.rooms < 0 || head.rooms > static_cast<std::int64_t>(max_channel_rooms))
    throw fail(fmt::format("n {} out of range", head.rooms));
  head.time_s = dict.find("t")->second.integer("t");
  const bencode::List &origins = dict.find("pe")->second.list("pe");
  if (origins.size() > max_origins)
    throw fail(fmt::format("more than {} origin endpoints", max_origins));
  for (const auto &origin : origins) {
    auto endpoint = parse_compact_endpoint(origin.string("pe"));
    if (!endpoint)
      throw fail("an origin endpoint is not 6 or 18 bytes");
    head.origins.push_back(*endpoint);
  }
  head.list_info = bencode::encode(dict.find("list")->second);
  check_one_piece_info(head.list_info, "channel list", channel_list_name,
                       max_channel_list_bytes, what);
  return head;
}

CreatorChannel channel_from_store(Store &store, const PublicKey &creator) {
  CreatorChannel channel;
  channel.creator = creator;
  for (const RoomInfo &room : store.creator_rooms(public_key_hex(creator))) {
    if (room.mode == RoomMode::vod && !room.ended)
      continue;
    ChannelEntry entry;
    entry.name = room.name;
    entry.state = room.mode == RoomMode::vod ? RoomState::vod
                  : room.ended               ? RoomState::ended
                                             : RoomState::live;
    entry.created_s = room.created;
    if (auto last = store.last_record_seq(room.id))
      for (std::int64_t seq = 0; seq <= *last; ++seq)
        if (auto bytes = store.record(room.id, seq)) {
          SignedRecord record = decode_record(*bytes, store.database_path().string());
          if (record.fields.is_segment()) {
            ++entry.segments;
            entry.duration_us += record.fields.duration_us;
          }
        }
    channel.rooms.push_back(std::move(entry));
  }
  if (channel.rooms.size() > max_channel_rooms)
    channel.rooms.erase(channel.rooms.begin(),
                        channel.rooms.end() - static_cast<std::ptrdiff_t>(max_channel_rooms));
  return channel;
}

ChannelPublisher::ChannelPublisher(Node &node, const Identity &identity,
                                   std::filesystem::path store)
    : node_(node), identity_(identity), store_(std::move(store)) {}

CreatorChannel ChannelPublisher::publish() {
  CreatorChannel channel;
  {
    Store store(store_);
    channel = channel_from_store(store, identity_.public_key());
  }
  std::string bytes = encode_channel_list(channel);
  auto path = store_channel_list_path(store_, identity_.public_key_hex());
  make_dirs(path.parent_path());
  // The list is rewritten in place: the torrent of the old bytes goes first,
  // so that nobody is served bytes that fail its hashes.
  if (!seeded_.empty() && (!std::filesystem::exists(path) || read_whole_file(path) != bytes)) {
    node_.remove(seeded_);
    seeded_.clear();
  }
  if (!std::filesystem::exists(path) || read_whole_file(path) != bytes)
    write_file_atomically(path, bytes);
  ChannelHead head;
  head.list_info = hash_v2_file(path, channel_list_name, 0).info_dict;
  head.rooms = static_cast<std::int64_t>(channel.rooms.size());
  head.origins = reachable_endpoints(node_);
  head.time_s = unix_time_ms() / 1000;
  seeded_ = node_.seed(path, head.list_info);
  node_.put_item(identity_, std::string(channel_salt), encode_channel_head(head),
                 std::chrono::milliseconds(0));
  channel.time_s = head.time_s;
  return channel;
}

ChannelRead read_channel(Node &node, const PublicKey &creator,
                         std::chrono::milliseconds timeout,
                         const std::filesystem::path &fetch_dir) {
  const auto deadline = Clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - Clock::now()));
  };
  const std::string what = fmt::format("channel {}", public_key_hex(creator));
  node.wait_for_dht(left());
  std::optional<MutableItem> item;
  while (!item && !stop_requested() && Clock::now() < deadline)
    item = node.get_item(creator, channel_salt,
                         std::min(left(), std::chrono::milliseconds(5000)));
  if (stop_requested())
    throw Error(Exit::interrupted, what, "interrupted");
  if (!item)
    throw Error(Exit::unavailable, what,
                fmt::format("no channel head found within {} ms", timeout.count()));
  ChannelRead read;
  read.item_seq = item->seq;
  read.head = decode_channel_head(item->value, what);
  auto file = fetch_dir / std::string(channel_list_name);
  std::string infohash = node.download(read.head.list_info, file, read.head.origins);
  bool fetched = node.wait_complete(infohash, left());
  node.remove(infohash);
  if (stop_requested())
    throw Error(Exit::interrupted, what, "interrupted");
  if (!fetched)
    throw Error(Exit::unavailable, what,
                "the channel list could not be fetched within the timeout");
  read.channel = decode_channel_list(read_whole_file(file), creator, what);
  if (static_cast<std::int64_t>(read.channel.rooms.size()) != read.head.rooms)
    throw Error(Exit::data, what,
                fmt::format("the list has {} rooms, its head says {}",
                            read.channel.rooms.size(), read.head.rooms));
  read.channel.time_s = read.head.time_s;
  return read;
}

} // namespace hlswarm
