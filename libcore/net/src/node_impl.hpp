// Private to the node*.cpp files: the state behind hlswarm::Node.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <libtorrent/alert.hpp>
#include <libtorrent/client_data.hpp>
#include <libtorrent/extensions.hpp>
#include <libtorrent/kademlia/dht_storage.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "hlswarm/net/dht_item.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/net/transfer_stats.hpp"

namespace hlswarm {

using Clock = std::chrono::steady_clock;

/// (key, salt) as one map key: 32 key bytes then the salt.
std::string item_slot(const PublicKey &key, std::string_view salt);

/// An item this node publishes and keeps alive.
struct PublishedItem {
  MutableItem item;
  /// Signs it again when the DHT holds a higher seq; nullopt for an item of
  /// someone else's kept as it is signed (Node::keep_item).
  std::optional<Identity> identity;
};

/// One get lookup in flight (several callers may share it).
struct ItemLookup {
  std::optional<MutableItem> best;
  Clock::time_point improved_at{}; ///< when `best` last changed
  bool done = false;
  int waiters = 0;
};

/// Results of puts for one (key, salt): the highest seq a put finished with.
struct PutProgress {
  std::int64_t finished_seq = -1;
  int stored_on = 0;
};

/// What the node knows of one torrent.
struct TorrentState {
  lt::torrent_handle handle;
  /// How many seed()/download() calls hold it: several parts of one
  /// program may serve one segment (a viewer and peer-seed's store on one
  /// Node), and Node::remove takes it away only when the last lets go.
  int users = 1;
  std::int64_t piece_length = 0;
  std::int64_t total_size = 0;
  bool checked = false;
  bool finished = false; ///< libtorrent has all pieces (writes may be pending)
  bool complete = false; ///< ... and they are on disk, hashing to the root
  int bad_copies = 0;    ///< finishes whose file did not hash to the root
  std::string error;     ///< set when libtorrent reported a failure
  std::filesystem::path file; ///< where its data is (empty: observed only)
  /// While downloading: who each block was last requested from, and which
  /// blocks were counted. libtorrent posts no block_finished_alert for a
  /// block whose write completes after the torrent turned seed, so those
  /// are counted at completion, for the peer they were requested from.
  std::map<std::pair<int, int>, std::string> requested_from;
  std::set<std::pair<int, int>> counted;
  /// Who each counted block came from, by piece, until the torrent is
  /// complete: a piece that fails its hash check is taken back from them.
  std::map<int, std::vector<std::pair<int, std::string>>> counted_from;
};

/// Items and peers this node holds in its own DHT storage: libtorrent never
/// stores a node's own puts and announces locally, so without this a node
/// whose only contact is its bootstrap node could not find what that node
/// published. Shared between the Node and the storage object, which
/// libtorrent owns and may rebuild when the DHT restarts.
struct OwnDhtEntries {
  std::mutex mutex;
  lt::dht::dht_storage_interface *storage = nullptr; ///< the live one
  std::map<std::string, MutableItem> items;          ///< by item_slot
  std::map<DhtTarget, lt::tcp::endpoint> members;    ///< announced by us

  /// Writes our entries into `storage` (mutex held by the caller).
  void copy_into(lt::dht::dht_storage_interface &target) const;

  /// "ip:port" of the peers announced to our own node under `target`.
  std::vector<std::string> stored_peers(const DhtTarget &target);
};

/// libtorrent's default DHT storage, guarded by OwnDhtEntries::mutex so the
/// Node can add its own entries from its thread.
lt::dht::dht_storage_constructor_type
own_entries_storage(std::shared_ptr<OwnDhtEntries> own);

/// Who holds which observed torrent (Node::observe): peers that said they
/// have every piece (have_all, or a full bitfield), by IP address. Written by
/// a libtorrent extension on the network thread, read by Node::holders.
struct HolderLog {
  std::mutex mutex;
  std::map<std::string, std::set<std::string>> holders; ///< by infohash
};

/// An observed torrent, as the extension sees it (its userdata).
struct ObservedTorrent {
  std::string infohash;
  std::shared_ptr<HolderLog> log;
};

/// The session extension behind Node::observe.
std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
holder_extension();

/// The files of the torrents this node holds whole (seeded, or downloaded
/// and complete), by v2 infohash hex: what a room channel's audit answers
/// from. Its own mutex, taken last, so libtorrent's network thread can read
/// it while a Node call holds Node::Impl::mutex.
struct HeldFiles {
  struct File {
    std::filesystem::path path;
    std::uint64_t size = 0;
  };
  std::mutex mutex;
  std::map<std::string, File> files;
};

/// The userdata of a room torrent (room_channel.cpp): its channel.
struct RoomTorrentTag;

/// The session extension behind Node::join_room.
std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
room_channel_extension();

/// The userdata of a notice board torrent (notice_board.cpp).
struct NoticeBoardTag;

/// The session extension behind Node::join_board.
std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
notice_board_extension();

struct Node::Impl {
  explicit Impl(NodeOptions node_options);

  NodeOptions options;
  std::vector<lt::tcp::endpoint> peers; ///< options.peers, parsed
  std::shared_ptr<OwnDhtEntries> own = std::make_shared<OwnDhtEntries>();
  std::unique_ptr<lt::session> session;
  std::thread pump;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  mutable std::mutex mutex; // guards everything below
  std::condition_variable changed;

  // listening and DHT
  std::vector<HostPort> listening;
  std::string listen_error;
  bool dht_ready = false;
  int dht_node_count = 0;

  // BEP 44 items, by item_slot
  std::map<std::string, ItemLookup> lookups;
  std::map<std::string, PutProgress> puts;
  std::map<std::string, PublishedItem> published;
  std::map<std::string, MutableItem> newest; ///< newest accepted item

  // membership
  std::map<DhtTarget, std::set<std::string>> found_peers; ///< "ip:port"
  std::set<DhtTarget> announced;

  // torrents, by v2 infohash hex
  std::map<std::string, TorrentState> torrents;
  std::shared_ptr<HolderLog> holder_log = std::make_shared<HolderLog>();
  std::shared_ptr<HeldFiles> held_files = std::make_shared<HeldFiles>();
  std::map<std::string, std::unique_ptr<ObservedTorrent>> observed;
  TransferStats transfer;
  /// Room channels joined, by "<creator hex>/<name>".
  std::map<std::string, std::shared_ptr<RoomTorrentTag>> rooms;
  /// Notice boards joined, by name.
  std::map<std::string, std::shared_ptr<NoticeBoardTag>> boards;
  std::int64_t item_lookups = 0; ///< get_item calls (DHT head reads)
  std::int64_t items_stored = 0; ///< puts and re-puts that reached a DHT node
  std::int64_t peer_lookups = 0; ///< find_peers calls
  std::int64_t peers_banned = 0; ///< for sending data that failed its hash
  std::map<std::string, nlohmann::json> stats_sections; ///< set_stats_section
  /// Port mapping's outcome by protocol ("upnp", "natpmp"): "off",
  /// "trying", "mapped <port>", "failed: <reason>".
  std::map<std::string, std::string> port_mapping;
  std::function<void(const std::string &)> complete_handler;
  std::function<void(const std::string &, std::uint64_t)> upload_handler;
  /// True (and one more user counted) when `infohash` is in the session
  /// already; the caller then adds nothing. Call with `mutex` held.
  bool share_existing(const std::string &infohash);

  Clock::time_point started = Clock::now();
  Clock::time_point next_dht_stats{};
  Clock::time_point next_republish{};
  Clock::time_point next_stats_file{};
  bool port_mapping_waited = false; ///< port_mapping_patience has passed

  /// Node::seed, with `userdata` for the torrent's extensions, and peer
  /// exchange (off for segment torrents).
  std::string seed_file(const std::filesystem::path &file,
                        std::string_view info_dict, lt::client_data_t userdata,
                        bool peer_exchange = false);
  /// Seeds a torrent of one file holding `content`, named `torrent_name`:
  /// a torrent every peer makes from the same bytes (a board's), so its
  /// infohash is known in advance and nobody downloads it. The file lives
  /// in the temporary folder, named by its content's hash.
  std::string seed_content(const std::string &content,
                           std::string_view torrent_name,
                           lt::client_data_t userdata);
  void run_pump();
  void handle(lt::alert *alert); // mutex held
  void handle_item_alert(lt::alert *alert);
  /// Hands a checked head item (under a room's creator key and name) to
  /// that room's channel, if this node joined it (room_channel.cpp).
  /// Called with `mutex` held.
  void share_head(const MutableItem &item);
  void handle_torrent_alert(lt::alert *alert);
  void periodic(Clock::time_point now);
  void republish(); // mutex held
  void start_put(const PublishedItem &item, bool republishing);
  /// A protocol that has not mapped the port yet failed: warns once.
  void report_port_mapping_failure(const std::string &transport,
                                   const std::string &reason); // mutex held
  void write_stats_file_now();
  nlohmann::json stats_json() const; // mutex held
  std::string infohash_of(const lt::torrent_handle &handle) const;
};

/// True when the node maps its port (NodeOptions::port_mapping): asked to,
/// not in loopback test mode, and some listen address is not loopback.
bool port_mapping_used(const NodeOptions &options);

/// How long a router has to answer a port mapping request before the node
/// says that it could not map its port (UPnP discovery answers in a few
/// seconds on a LAN).
inline constexpr std::chrono::seconds port_mapping_patience{10};

/// libtorrent error text for messages: lower case, no final period.
std::string error_text(const lt::error_code &ec);

/// "ip:port" / "[v6]:port" of a libtorrent endpoint.
std::string endpoint_text(const lt::tcp::endpoint &endpoint);

/// Parses HostPort with a literal IP into an endpoint; Error(usage) if not.
lt::tcp::endpoint to_endpoint(const HostPort &peer, std::string_view what);

} // namespace hlswarm
