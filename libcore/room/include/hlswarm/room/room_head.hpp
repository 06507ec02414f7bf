// What a room publishes on the network: the room head (the value of its
// BEP 44 mutable item) and the chain torrent's file (every record of the
// room, one after another). Encoding and decoding live here and nowhere
// else; decoding treats its input as hostile. man hlswarm(7), NETWORK, is
// the reference for other implementations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/net/node.hpp"
#include "hlswarm/chain/record.hpp"

namespace hlswarm {

/// The room head format version ("v").
inline constexpr std::int64_t room_head_version = 1;

/// The chain torrent is one piece, so that its info dict (in the head)
/// verifies every byte: at most 16 MiB, about 40,000 records.
inline constexpr std::uint64_t max_chain_records_bytes = 16 * 1024 * 1024;

/// The name of the chain file in the chain torrent's info dict (short: the
/// info dict travels in the head).
inline constexpr std::string_view chain_torrent_name = "chain.records";

enum class RoomState { live, ended, vod };

/// "live", "ended", "vod".
std::string_view to_string(RoomState state);
/// The inverse; nullopt for anything else.
std::optional<RoomState> room_state_from_string(std::string_view text);

/// Checks the info dict of a torrent a head names (the chain torrent, a
/// channel list): a v2 info dict of one file called `name`, in one piece
/// (so the info dict alone verifies every byte) of at most `max_bytes`.
/// Error(data) with subject `what`, naming the torrent as `kind`.
void check_one_piece_info(std::string_view info_dict, std::string_view kind,
                          std::string_view name, std::uint64_t max_bytes,
                          std::string_view what);

/// The value of a room's BEP 44 item:
///   d5:chain<info dict>2:pel<6 or 18 bytes>...e3:rec<record>3:seqi<n>e
///    5:state<live|ended|vod>1:ti<unix s>e1:vi1ee
/// chain, rec and seq are absent before the first record; rec is also left
/// out when the whole value would not fit in 1000 bytes.
struct RoomHead {
  RoomState state = RoomState::live;
  std::optional<std::int64_t> seq; ///< the newest record's seq
  std::string record;              ///< its canonical bytes, or empty
  std::string chain_info;          ///< the chain torrent's v2 info dict
  std::vector<HostPort> origins;   ///< where the origin listens (IP literals)
  std::int64_t time_s = 0;         ///< when it was made, Unix seconds
};

/// The canonical bencoded value, at most max_item_value_bytes (the record
/// is dropped if needed). Error(software) if it cannot fit even so.
std::string encode_room_head(const RoomHead &head);

/// Reads a head from untrusted bytes (an item value that already passed
/// check_mutable_item): exactly the keys above, v 1, a record that decodes
/// and verifies, whose room is `room` and whose seq is "seq", a one-piece v2
/// info dict of at most 16 MiB. Error(data) with subject `what`.
RoomHead decode_room_head(std::string_view value, const Room &room,
                          std::string_view what);

/// The chain torrent's file: the records' canonical bytes one after another,
/// seq 0 first (bencode is self-delimiting, so nothing separates them).
/// Reads it from untrusted bytes: every record decoded and verified, every
/// link checked (link_problem, and init_problem for each init_seq), all of
/// room `room`. Error(data) naming the seq that fails.
std::vector<SignedRecord> read_chain_records(std::string_view bytes,
                                             const Room &room,
                                             std::string_view what);

/// One endpoint in compact form: 4 address bytes and 2 port bytes (IPv4) or
/// 16 and 2 (IPv6), network order (BEP 5's compact peer info). Error(usage)
/// if `endpoint.host` is not an IP literal.
std::string compact_endpoint(const HostPort &endpoint);
/// The inverse; nullopt for a length other than 6 or 18.
std::optional<HostPort> parse_compact_endpoint(std::string_view bytes);

} // namespace hlswarm
