// room-announce torrents: a room's segment torrents as .torrent files and
// magnet links, for standard BitTorrent v2 clients (qBittorrent 4.4+,
// libtorrent 2.0 clients). A segment torrent is plain BitTorrent v2, so
// such a client can fetch a segment from hlswarm peers and serve it to
// them; it cannot verify the chain, join the room channel or find the
// room's head (man hlswarm(7), STANDARD CLIENTS).
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/sha256.hpp"

namespace hlswarm {

/// Options of `room-announce torrents ROOM`.
struct TorrentsOptions {
  /// A room URI (any creator's; its x.pe hints go into the magnet links),
  /// or a room name of the creator whose key is `key_file`.
  std::string room;
  std::optional<std::filesystem::path> key_file; ///< default: the user's key
  std::filesystem::path store;
  /// -o DIR: where the .torrent files go (created if missing); empty:
  /// none are written (only with `magnets`).
  std::filesystem::path output_dir;
  /// --magnets: print one magnet link per line instead of JSON lines.
  bool magnets = false;
};

/// A BitTorrent v2 magnet link (BEP 9 with BEP 52's btmh):
///   magnet:?xt=urn:btmh:1220<infohash hex>&dn=<name>[&x.pe=<peer>...]
/// The name is percent-encoded; each peer (IP:PORT) is an x.pe parameter,
/// which a client connects to at once.
std::string magnet_link(const Sha256 &infohash, std::string_view name,
                        const std::vector<std::string> &peers);

/// Writes the .torrent file of every segment (and init segment) record the
/// store holds for the room, and of the chain torrent when the store holds
/// the records from seq 0 without a gap, and prints one JSON line per
/// torrent (or, with `magnets`, its magnet link). A torrent's infohash is
/// the record's: the info dict is copied as it is. When the store holds
/// the segment's bytes (and they hash to the record), the torrent carries
/// its piece layers; otherwise it is the info dict alone, and a client gets
/// the piece layers from the peers it downloads from (BEP 52 hash requests).
/// Error(no_input) when the store or the room is not there, Error(usage)
/// for a room name without a creator key, Error(cant_create) when DIR
/// cannot be written.
Exit write_room_torrents(const TorrentsOptions &options, std::FILE *out);

} // namespace hlswarm
