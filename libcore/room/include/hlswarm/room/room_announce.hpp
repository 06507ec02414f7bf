// room-announce's work: open a room, serve each record's segment and the
// whole chain the moment they exist, publish the room head. What a viewer
// would see of a room is room_status.hpp's.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/net/node.hpp"

namespace hlswarm {

/// Options of `room-announce create NAME`.
struct CreateRoomOptions {
  std::string name;
  bool vod = false;
  std::optional<std::filesystem::path> key_file; ///< default: created if missing
  std::filesystem::path store;
};

/// Records the room in the store, pinned, and prints its URI (one line).
Exit create_room(const CreateRoomOptions &options, std::FILE *out);

/// Options of `room-announce ROOM`.
struct AnnounceOptions {
  std::string room; ///< a room name, or a room URI whose key must be ours
  std::optional<std::filesystem::path> key_file;
  std::filesystem::path store;
  NetworkOptions network;
  /// How long to keep serving after the end record; nullopt: until
  /// interrupted.
  std::optional<std::chrono::milliseconds> linger;
  /// How long to keep reading stdin after SIGINT/SIGTERM (see LineInput).
  std::chrono::milliseconds drain = std::chrono::seconds(5);
  /// How often the room's members are looked up on the DHT.
  std::chrono::milliseconds neighbour_interval = std::chrono::seconds(30);
};

/// The chain torrent's file of a room in the store:
///   <store>/chains/<creator key hex>/<percent-encoded name>.records
std::filesystem::path chain_records_path(const std::filesystem::path &store,
                                         const Room &room);

/// Where peers can reach this node as an origin (for a head's "pe"): its
/// listen endpoints, an unspecified address (0.0.0.0, ::) replaced by this
/// host's addresses, loopback last, at most 4.
std::vector<HostPort> origin_endpoints(const Node &node);

/// Serves the room: republishes what the store holds for it, then reads
/// seg-chain's chain lines from `input_fd`; for each record, serves its
/// segment, rewrites and re-seeds the chain torrent, puts the new head, and
/// copies the line to `out`. A record of another creator or room, or whose
/// seq is not the next one, is Error(data) with nothing published. After
/// the end record, serves for `linger`. Returns interrupted after
/// SIGINT/SIGTERM.
Exit announce_room(const AnnounceOptions &options, int input_fd, std::FILE *out);

} // namespace hlswarm
