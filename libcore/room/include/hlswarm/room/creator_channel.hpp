// A creator's channel: the list of their rooms, signed, found from their
// key alone. Like a room, a channel is one BEP 44 mutable item (the channel
// head, under the creator's key and the empty salt, which no room name can
// be) naming a small torrent of one piece (the channel list). Encoding and
// decoding live here and nowhere else; decoding treats its input as
// hostile. man hlswarm(7), CREATOR CHANNEL, is the reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/chain/identity.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/room_head.hpp"

namespace hlswarm {

class Store;

/// The channel head and list format version ("v").
inline constexpr std::int64_t channel_version = 1;
/// The salt of the channel head: empty, which room_name_problem refuses
/// for a room, so a channel head never meets a room head.
inline constexpr std::string_view channel_salt = "";
/// The name of the list file in the channel torrent's info dict.
inline constexpr std::string_view channel_list_name = "channel.list";
/// A list is at most this long (about 7,000 rooms), in one piece.
inline constexpr std::uint64_t max_channel_list_bytes = 1024 * 1024;
/// And lists at most this many rooms.
inline constexpr std::size_t max_channel_rooms = 4096;

/// One room of a channel as its creator's store knows it when the list is
/// published. Its mode follows from its state: vod rooms are prepared
/// videos, live and ended ones broadcasts.
struct ChannelEntry {
  std::string name;
  RoomState state = RoomState::live;
  std::int64_t created_s = 0;   ///< when the room was created, Unix seconds
  std::int64_t segments = 0;    ///< media segments published so far
  std::int64_t duration_us = 0; ///< their total media duration
  bool operator==(const ChannelEntry &) const = default;
};

/// A creator's rooms, oldest first (then by name).
struct CreatorChannel {
  PublicKey creator{};
  std::vector<ChannelEntry> rooms;
  std::int64_t time_s = 0; ///< when the head naming it was made (not in the list)
};

/// The channel list file:
///   d2:pk32:<key>5:roomsl<room>...e1:vi1ee
/// each room d7:createdi<s>e3:duri<us>e4:name<name>4:segsi<n>e
///            5:state<live|ended|vod>e
/// Error(software) if it would exceed max_channel_list_bytes or
/// max_channel_rooms, or a room is out of order or repeated.
std::string encode_channel_list(const CreatorChannel &channel);

/// Reads a list from untrusted bytes: exactly the keys above, version 1,
/// pk `creator`, valid room names in order (created, then name) and
/// unique, every number in range. Error(data) with subject `what`.
CreatorChannel decode_channel_list(std::string_view bytes, const PublicKey &creator,
                                   std::string_view what);

/// The value of the channel head item:
///   d4:list<info dict>1:ni<rooms>e2:pel<6 or 18 bytes>...e1:ti<unix s>e1:vi1ee
struct ChannelHead {
  std::string list_info;         ///< the channel torrent's v2 info dict
  std::int64_t rooms = 0;        ///< how many rooms the list holds
  std::vector<HostPort> origins; ///< where the publisher listens
  std::int64_t time_s = 0;
};

/// The canonical value, at most max_item_value_bytes (Error(software) if
/// not).
std::string encode_channel_head(const ChannelHead &head);

/// Reads a head from untrusted bytes (an item value that already passed
/// check_mutable_item): exactly the keys above, v 1, a one-piece v2 info
/// dict named channel_list_name of at most max_channel_list_bytes, at most
/// 8 origins. Error(data) with subject `what`.
ChannelHead decode_channel_head(std::string_view value, std::string_view what);

/// The creator's rooms as the store knows them (the newest
/// max_channel_rooms of them). A prepared video (vod) whose chain is not
/// complete yet is left out: a channel promises what a vod head promises,
/// the whole video. Every stored record is decoded (and verified) to count
/// segments and seconds.
CreatorChannel channel_from_store(Store &store, const PublicKey &creator);

/// Publishes a creator's channel from their store.
class ChannelPublisher {
public:
  ChannelPublisher(Node &node, const Identity &identity,
                   std::filesystem::path store);
  /// Reads the creator's rooms from the store, writes the list to
  /// store_channel_list_path, seeds it (instead of the list seeded
  /// before) and puts the head, which the node then puts again every
  /// republish interval. Returns the list published.
  CreatorChannel publish();

private:
  Node &node_;
  Identity identity_;
  std::filesystem::path store_;
  std::string seeded_; ///< infohash of the list seeded now, if any
};

/// What read_channel found.
struct ChannelRead {
  CreatorChannel channel;
  ChannelHead head;
  std::int64_t item_seq = 0;
};

/// Reads a creator's channel: the head under (creator, ""), then the list
/// torrent from the head's origins (and the node's peers), into
/// `fetch_dir`, all within `timeout`. Error(unavailable) if the head or the
/// list cannot be had in time, Error(data) for a bad one, Error(interrupted)
/// on SIGINT/SIGTERM.
ChannelRead read_channel(Node &node, const PublicKey &creator,
                         std::chrono::milliseconds timeout,
                         const std::filesystem::path &fetch_dir);

} // namespace hlswarm
