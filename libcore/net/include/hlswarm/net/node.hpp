// The swarm node: one libtorrent session that every network program owns.
// It publishes and reads BEP 44 mutable items (room heads) on the mainline
// DHT, announces and finds room members, seeds and downloads BitTorrent v2
// torrents (segments, chain files) and counts the bytes each one moves.
//
// libtorrent stays behind this header (a private dependency of hlswarm::net):
// keys and signatures are our own byte arrays (chain/ed25519.hpp), items
// and targets are dht_item.hpp's, endpoints host_port.hpp's.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/dht_item.hpp"
#include "hlswarm/net/host_port.hpp"

namespace hlswarm {

class RoomChannel;
class NoticeBoard;

/// A node keeps at most this many peer connections, over all its torrents
/// (a room's channel and every segment's): libtorrent's connections_limit.
inline constexpr int node_connections_limit = 800;

/// How a Node is set up. Tools fill it from their command line.
struct NodeOptions {
  /// Where to listen for peers and DHT traffic, "IP:PORT" (comma-separated
  /// for several). Port 6881 is BitTorrent's well-known port: a stable port
  /// keeps the DHT state saved in `state_file` valid across restarts;
  /// libtorrent tries the next ports when it is taken.
  std::string listen = "0.0.0.0:6881";
  /// DHT bootstrap nodes, HOST:PORT, used as given (choose_bootstrap_nodes
  /// makes the usual list). Empty: none, as for a private bootstrap node.
  std::vector<std::string> bootstrap;
  /// Peers (IP:PORT) connected to every torrent this node adds, seeded or
  /// downloaded: a standard BitTorrent client (a seedbox) has no other way
  /// to meet the swarm (hlswarm(7), Standard BitTorrent clients).
  std::vector<std::string> peers;
  /// Local service discovery (multicast on the LAN).
  bool lsd = true;
  /// Asks the router to forward the listen port (UPnP and NAT-PMP), so
  /// peers behind NAT can be reached. Used only when some listen address is
  /// not loopback (127.0.0.0/8, ::1) and not in loopback_test_mode: a node
  /// on loopback has nothing to map and sends no multicast. The outcome is
  /// said on stderr and shown in stats() ("port_mapping").
  bool port_mapping = true;
  /// Whole swarms on 127.0.0.x: lifts the DHT's one-node-per-/24, node-id
  /// and rate-limit protections, which would otherwise reject every node
  /// but one. A test setting, never a default.
  bool loopback_test_mode = false;
  /// A short-lived node that only reads (get_item, find_peers; a status
  /// query): other DHT nodes do not keep it in their routing tables, so it
  /// leaves no dead entry behind that later lookups would wait 15 s for.
  /// Such a node cannot put or announce: libtorrent's nodes add whoever puts
  /// to their tables anyway, and a read-only node does not answer the
  /// queries that then come back to it, its own included.
  bool dht_read_only = false;
  /// DHT routing table saved here on stop and read on start (if it exists),
  /// so a restarted node does not bootstrap from scratch. Empty: not kept.
  std::filesystem::path state_file;
  /// --stats FILE: rewritten every `stats_interval` and on stop.
  std::filesystem::path stats_file;
  std::chrono::milliseconds stats_interval{2000};
  /// How often published items are put again and memberships re-announced,
  /// so they outlive DHT churn (nodes leaving, items expiring after ~2 h on
  /// common implementations).
  std::chrono::seconds republish_interval{600};
};

/// Result of a put: the seq that was stored and on how many DHT nodes
/// (0: nobody took it; -1: not waited for).
struct PutResult {
  std::int64_t seq = 0;
  int stored_on = -1;
};

/// A BitTorrent v2 info dict (bencoded) for one file, named by its file
/// name, with `piece_size` bytes per piece (0: the smallest power of two
/// >= 16 KiB that holds the whole file in one piece, up to 16 MiB; one piece
/// means the info dict alone verifies every 16 KiB block and no piece layers
/// are needed). hash_v2_file (segment_torrent.hpp) does the work. Throws
/// Error(no_input/io/data).
std::string make_v2_info_dict(const std::filesystem::path &file,
                              int piece_size = 0);

/// The v2 infohash (SHA-256 of the info dict), 64 lowercase hex.
std::string v2_infohash(std::string_view info_dict);

/// How Node::download fetches a torrent.
struct DownloadOptions {
  /// Peers to connect at once (besides the options' peers).
  std::vector<HostPort> peers;
  /// The most peers this torrent connects to at once; 0: libtorrent's
  /// default. A player's next segment comes from up to this many.
  int max_peers = 0;
  /// Streaming: every piece is wanted within this time (libtorrent's
  /// time-critical pieces: they go to the fastest peers first, and a piece
  /// that is late is requested again from another peer). nullopt: the
  /// ordinary rarest-first picker.
  std::optional<std::chrono::milliseconds> deadline;
};

/// How Node::seed serves a torrent.
struct SeedOptions {
  /// The most peers connected to this torrent at once (libtorrent's
  /// max_connections: a newcomer of a higher BEP 40 rank replaces the
  /// lowest-ranked peer); 0: no limit.
  int max_connections = 0;
};

/// How far a download is.
struct DownloadProgress {
  std::uint64_t size = 0;
  std::uint64_t verified_bytes = 0; ///< blocks received and hash-checked
  bool complete = false;            ///< all data on disk
  std::string error;                ///< set when the torrent failed
  /// Verified bytes by the peer IP address that sent them.
  std::map<std::string, std::uint64_t> from_peers;
  /// Where the torrent's bytes are: the file given to download(), or the
  /// file of a seed of the same torrent on this node (seed() moves a shared
  /// torrent onto the seed's file, which is whole and lasts).
  std::filesystem::path file;
};

/// One libtorrent session with its alert thread. All member functions are
/// thread-safe; waits are bounded by the timeouts given.
class Node {
public:
  /// Starts the session and waits (a few seconds at most) until it listens.
  /// Throws Error(unavailable) when it cannot listen, Error(usage) for bad
  /// addresses in `options`.
  explicit Node(NodeOptions options);
  /// Calls stop().
  ~Node();
  Node(const Node &) = delete;
  Node &operator=(const Node &) = delete;

  /// Saves the DHT state and stats, closes the session. Returns within a
  /// few seconds. Idempotent.
  void stop();

  /// Where the node listens (IP:PORT with the actual port).
  std::vector<HostPort> listen_endpoints() const;
  /// The TCP/UDP port the node listens on.
  std::uint16_t listen_port() const;

  /// Waits until the DHT can be used: bootstrapped, a node in the routing
  /// table, nothing to bootstrap from, or two seconds after start (lookups
  /// then start from the bootstrap nodes). Returns false when `timeout`
  /// passes first.
  bool wait_for_dht(std::chrono::milliseconds timeout);
  /// Number of nodes in the DHT routing table (polled every second).
  int dht_nodes() const;

  // ---- BEP 44 mutable items (room heads)

  /// Signs `value` (bencoded, canonical, at most 1000 bytes) with
  /// `identity` and puts it under (identity's key, salt), and keeps it: it
  /// is put again every republish_interval. seq is next_item_seq of the
  /// last seq put or seen here, and higher still if the DHT already holds a
  /// higher one (item_to_put), so it only grows, across restarts too. Waits
  /// up to `timeout` for the put to finish (0: does not wait). Throws
  /// Error(data) for a bad value.
  PutResult put_item(const Identity &identity, std::string salt,
                     std::string value, std::chrono::milliseconds timeout);

  /// Puts an item signed by someone else as it is (its own seq and
  /// signature) and keeps it like put_item's: put again every
  /// republish_interval, answered from this node's own DHT storage. A newer
  /// item under the same (key, salt), given here or seen by get_item, is
  /// kept instead. A distributor keeps a finished room's head alive this
  /// way after its creator has gone (BEP 44 items expire after ~2 h).
  /// Does not wait for the put. Throws Error(data) when the item fails
  /// check_mutable_item.
  void keep_item(const MutableItem &item);

  /// Stops re-putting the item under (key, salt) (put_item's or
  /// keep_item's).
  void forget_item(const PublicKey &key, std::string_view salt);

  /// Looks up the newest item under (key, salt). Returns when the lookup has
  /// heard from all the closest nodes, or a quarter of a second after the
  /// newest item so far arrived with nothing newer (a lookup waits 15 s for
  /// each unresponsive node among the closest, so waiting for all of them
  /// would make every head read slow), or at `timeout`. Items that fail
  /// check_mutable_item are ignored and logged; an item older than one this
  /// node already accepted is not returned (the newer one is).
  std::optional<MutableItem> get_item(const PublicKey &key,
                                      std::string_view salt,
                                      std::chrono::milliseconds timeout);

  // ---- membership

  /// Announces this node (its listen port) under `target`, now and every
  /// republish_interval, and answers get_peers for it from its own DHT
  /// storage, so a swarm of two finds each other.
  void announce(const DhtTarget &target);
  /// Stops announcing under `target`.
  void leave(const DhtTarget &target);
  /// Peers announced under `target`, without this node. Returns once
  /// `enough` peers are known or `timeout` passes.
  std::vector<HostPort> find_peers(const DhtTarget &target,
                                   std::chrono::milliseconds timeout,
                                   std::size_t enough = 1);

  // ---- rooms

  /// Joins the room's record channel (room_channel.hpp): seeds the room
  /// torrent and from then on takes, verifies and passes on the records its
  /// members push. A second call for the same room returns the same
  /// channel. The channel must not be used after the Node is destroyed.
  std::shared_ptr<RoomChannel> join_room(const Room &room);

  /// Joins the notice board `name` (notice_board.hpp): seeds its torrent;
  /// from then on every peer met there gets the board's notice and gives
  /// its own. A second call returns the same board. The board must not be
  /// used after the Node is destroyed.
  std::shared_ptr<NoticeBoard> join_board(std::string_view name);

  // ---- torrents

  /// Seeds `file` as the v2 torrent described by `info_dict` (the file may
  /// have another name than the info dict's). The file is hashed once
  /// (milliseconds for a segment). A torrent the node has already (seeded
  /// or downloading) is not added again: this call only counts as one
  /// more user of it (see remove()). Returns the infohash. Throws Error(data)
  /// for a bad info dict, Error(no_input) for a missing file.
  std::string seed(const std::filesystem::path &file,
                   std::string_view info_dict, const SeedOptions &options = {});


  /// Downloads the torrent described by `info_dict` into `file`, connecting
  /// at once to `peers` and the options' peers (libtorrent would otherwise
  /// wait for its once-a-second tick). Returns the infohash.
  std::string download(std::string_view info_dict,
                       const std::filesystem::path &file,
                       const std::vector<HostPort> &peers = {});
  std::string download(std::string_view info_dict,
                       const std::filesystem::path &file,
                       const DownloadOptions &options);

  /// How far the download of `infohash` is (nullopt: no such torrent).
  std::optional<DownloadProgress> progress(const std::string &infohash) const;

  /// Peers connected to the torrent now (0 for a torrent the node does not
  /// have). Asks libtorrent's network thread and waits for it: not for a
  /// loop that runs per segment.
  int connected_peers(const std::string &infohash) const;

  /// Gives a torrent more peers (IP:PORT); libtorrent connects to them on
  /// its next once-a-second tick. Peers known up front belong in download().
  void connect_peers(const std::string &infohash,
                     const std::vector<HostPort> &peers);

  /// Waits until the torrent has all its data (true) or `timeout` passes or
  /// the torrent fails (false; the failure is logged).
  bool wait_complete(const std::string &infohash,
                     std::chrono::milliseconds timeout);

  /// For a complete download: replaces its file by a copy of it whose
  /// bytes hash to the torrent's pieces root and returns true, so that a
  /// reader of the file gets exactly the verified bytes, whatever
  /// libtorrent writes to its own copy later. False if the bytes do not
  /// hash to the root (the torrent then is incomplete again: libtorrent
  /// checks its file and fetches the bad pieces anew, from the sources the
  /// caller gives it again with connect_peers, since it forgets the ones
  /// it had; wait_complete again) or the torrent is not complete.
  /// Error(io) if the copy fails.
  bool settle_verified(const std::string &infohash);

  /// Called on the alert thread when a torrent has all its data. Keep it
  /// short; it must not call back into the Node.
  void on_complete(std::function<void(const std::string &infohash)> handler);

  /// Called on the alert thread for every block uploaded to a peer, with
  /// the block's size: a distributor's record of what is asked for. Keep it
  /// short; it must not call back into the Node.
  void on_upload(std::function<void(const std::string &infohash,
                                    std::uint64_t bytes)> handler);

  /// Stops serving a torrent (the file stays). A torrent added several
  /// times (seed() or download() of an infohash the node has already; the
  /// later calls add nothing) stays until each of them is matched by a
  /// remove().
  void remove(const std::string &infohash);

  /// Adds the torrent described by `info_dict` only to see who holds it:
  /// in libtorrent's upload mode it requests nothing and stores nothing,
  /// but the peers it connects to (`peers` at once) send their bitfields.
  /// Returns the infohash; holders() then counts.
  std::string observe(std::string_view info_dict,
                      const std::vector<HostPort> &peers);

  /// The distinct peer IP addresses connected to the torrent that have all
  /// of it (seeds), as seen now.
  std::vector<std::string> holders(const std::string &infohash) const;

  /// The transfer statistics so far (see TransferStats::to_json), with
  /// "dht": {"item_lookups", "peer_lookups", "items_stored"} (get_item and
  /// find_peers calls; puts and re-puts that reached a DHT node),
  /// "port_mapping": {"upnp", "natpmp"} (each "off", "trying", "mapped
  /// <external port>" or "failed: <reason>") and the sections set below.
  nlohmann::json stats() const;
  /// Adds (or replaces) `key` in stats() and the --stats file: a program's
  /// own figures (peer-fetch's per-segment timings).
  void set_stats_section(const std::string &key, nlohmann::json value);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hlswarm
