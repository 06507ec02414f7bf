// Bytes moved per torrent and per peer, collected in one place, and the
// --stats FILE every network program writes (JSON, replaced atomically).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hlswarm {

/// Payload bytes exchanged with one peer (by IP address: on loopback tests
/// every peer has its own, and a peer's outgoing port changes per connection).
struct PeerTransfer {
  std::uint64_t uploaded_bytes = 0;
  std::uint64_t downloaded_bytes = 0;
};

/// One torrent's transfer record. Times are Unix time in milliseconds, 0 when
/// the event has not happened.
struct TorrentTransfer {
  std::string infohash; ///< v2 infohash, 64 lowercase hex
  std::string name;     ///< the name in the info dict
  bool seeding = false; ///< added as a seed (we are its origin)
  std::uint64_t size = 0;
  std::uint64_t uploaded_bytes = 0;
  std::uint64_t downloaded_bytes = 0;
  std::int64_t added_ms = 0;
  std::int64_t first_byte_ms = 0; ///< first verified block received
  std::int64_t complete_ms = 0;   ///< all data present (for a seed: added)
  std::map<std::string, PeerTransfer> peers; ///< by peer IP address
};

/// All transfers of one node. Not thread-safe by itself: Node guards it.
class TransferStats {
public:
  TorrentTransfer &torrent(const std::string &infohash);
  const TorrentTransfer *find(const std::string &infohash) const;

  /// Counts a block of `bytes` sent to (or received from) `peer_ip`.
  void add_upload(const std::string &infohash, const std::string &peer_ip,
                  std::uint64_t bytes);
  void add_download(const std::string &infohash, const std::string &peer_ip,
                    std::uint64_t bytes, std::int64_t now_ms);

  /// Takes back bytes counted by add_download whose piece then failed its
  /// hash check: they were not the torrent's data.
  void remove_download(const std::string &infohash, const std::string &peer_ip,
                       std::uint64_t bytes);

  std::uint64_t uploaded_bytes() const { return uploaded_; }
  std::uint64_t downloaded_bytes() const { return downloaded_; }

  /// {"v":1,"uploaded_bytes":N,"downloaded_bytes":N,"torrents":[...]}.
  nlohmann::json to_json() const;

private:
  std::map<std::string, TorrentTransfer> torrents_;
  std::uint64_t uploaded_ = 0;
  std::uint64_t downloaded_ = 0;
};

/// Writes `stats` to `path` atomically (temporary name, fsync, rename), so a
/// reader never sees half a file. Throws Error(cant_create/io).
void write_stats_file(const std::filesystem::path &path,
                      const nlohmann::json &stats);

/// Unix time now, in milliseconds.
std::int64_t unix_time_ms();

} // namespace hlswarm
