#include "swarm_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <unordered_set>

#include <simgrid/s4u.hpp>

#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/room_viewer.hpp"
#include "hlswarm/room/viewer_policy.hpp"

namespace sg4 = simgrid::s4u;

namespace hlswarm::sim {

namespace {

using namespace viewer_policy;

constexpr int creator = 0;
constexpr double never = std::numeric_limits<double>::infinity();

double seconds(std::chrono::milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000;
}

/// The viewer's defaults that are not in viewer_policy.hpp (RoomViewer's
/// ViewOptions: behind, read_ahead, member_interval).
const ViewOptions view_defaults{};

/// RoomMembers looks members up in rounds of this long, taking up to this
/// many (room_members.cpp).
constexpr double member_round = 0.5;
constexpr std::size_t members_per_lookup = 64;
/// RoomViewer connects the current members to every fetch in flight this
/// often (refresh_sources), and libtorrent retries a peer after a second
/// (min_reconnect_time).
constexpr double refresh_interval = 1.0;
/// libtorrent gives up on a peer after this many failed attempts
/// (max_failcount); a new seed's attempts, one a refresh.
constexpr int seed_connect_rounds = 3;
/// A record hop: verifying its signature and passing it on.
constexpr double record_hop = 0.001;

/// Two nodes' connection on one segment torrent. Either side may request
/// chunks the other has; one chunk at a time each way (libtorrent keeps a
/// queue of block requests per peer; a chunk stands for that queue).
struct Connection {
  int ends[2];
  int seq;
  double ready_at; ///< handshakes done and the first request sent
  bool open = true;
  bool busy[2] = {false, false}; ///< a chunk in flight towards ends[i]
  int other(int node) const { return ends[0] == node ? ends[1] : ends[0]; }
  int side(int node) const { return ends[0] == node ? 0 : 1; }
};
using ConnectionPtr = std::shared_ptr<Connection>;

/// A segment torrent at one node: being fetched or seeded.
struct Torrent {
  std::vector<char> have;
  std::vector<char> requested; ///< requests in flight, per chunk
  int have_count = 0;
  bool complete = false;
  std::vector<ConnectionPtr> connections;
  // The fetch (viewers).
  double known_at = 0, started_at = 0, progressed = 0, complete_at = -1;
  double next_refresh = 0;
  bool origin_listed = false; ///< the origin is among its peers (Fetch::origin_connected)
  bool deadline = false;
  int seed_attempts = 0; ///< connection rounds left as a new seed
  std::uint64_t origin_bytes = 0;
};

/// A chunk on its way.
struct Transfer {
  sg4::CommPtr comm;
  ConnectionPtr connection;
  int from = 0, to = 0, seq = 0, chunk = 0;
  std::uint64_t bytes = 0;
  bool cancelled = false; ///< another copy of the chunk came first (end game)
};

struct Node {
  Node() = default;
  Node(const Node &) = delete;
  Node(Node &&) = default;
  int id = 0;
  bool alive = false;
  bool leave_requested = false;
  double joined = 0, left = -1;
  std::string endpoint; ///< "ip:port", what the origin-first rank hashes
  // Waking the viewer's actor (flush_wakes): it waits on its transfers and
  // on `alarm`, a computation on its own host that never ends unless
  // cancelled, until `wait_deadline`.
  double wake_at = never;        ///< the earliest wake-up due
  double wait_deadline = never;  ///< while waiting: when the wait times out
  bool waiting = false;
  sg4::ExecPtr alarm;
  std::map<int, Torrent> torrents;
  std::unordered_set<int> channel; ///< room channel connections
  std::vector<int> found;          ///< the last member lookup's answer
  std::vector<int> ranked;         ///< other members in peer-list order
  bool met_room = false;           ///< a member lookup has answered
  bool ranked_dirty = true;
  std::vector<std::unique_ptr<Transfer>> transfers; ///< chunks coming to this node
  // Records.
  std::priority_queue<std::pair<double, int>, std::vector<std::pair<double, int>>,
                      std::greater<>> arriving; ///< (when, seq)
  std::map<int, double> known;                  ///< seq -> when
  double last_record_at = 0, last_head_read = 0;
  int first_seq = -1, next_seq = -1;
  std::deque<int> seeding;
  // Counters.
  std::uint64_t uploaded = 0, downloaded = 0;
  int dht_lookups = 0, head_fallbacks = 0;
  double next_lookup = 0, lookup_done = never;
};

class Swarm {
public:
  Swarm(const RunOptions &options, std::mt19937_64 &random)
      : options_(options), random_(random),
        max_peers_(options.max_peers > 0 ? options.max_peers : default_max_peers),
        origin_first_(options.origin_first >= 0 ? static_cast<std::size_t>(options.origin_first)
                                                : origin_first_fetchers),
        origin_wait_(options.origin_wait >= 0 ? options.origin_wait : seconds(origin_wait)),
        origin_limit_(options.origin_connections >= 0 ? options.origin_connections
                                                      : origin_max_connections) {
    segments_ = static_cast<int>(std::floor(options.stream_seconds / options.segment_seconds));
    segment_bytes_ = static_cast<std::uint64_t>(options.stream_bps * options.segment_seconds / 8);
    chunks_ = static_cast<int>((segment_bytes_ + options.chunk_bytes - 1) / options.chunk_bytes);
    end_ = closed(segments_ - 1) + options.record_delay + options.drain_seconds;
    double expected_joins = options.churn_per_minute * options.viewers *
                            (options.stream_seconds / 60) * 1.5 + 10;
    int hosts = options.viewers + (options.churn_per_minute > 0 ? static_cast<int>(expected_joins) : 0);
    PlatformSpec spec = options.platform;
    spec.hosts = hosts;
    platform_ = std::make_unique<Platform>(spec, random_);
    nodes_.resize(static_cast<std::size_t>(hosts) + 1);
    for (int id = 0; id <= hosts; ++id) {
      Node &n = node(id);
      n.id = id;
      n.endpoint = "10." + std::to_string(id >> 16) + "." + std::to_string((id >> 8) & 255) +
                   "." + std::to_string(id & 255) + ":6881";
    }
    result_.segments = segments_;
    result_.segment_bytes = segment_bytes_;
    result_.creator_by_segment.assign(static_cast<std::size_t>(segments_), 0);
  }

  void start() {
    node(creator).alive = true;
    sg4::Actor::create("creator", platform_->host(creator), [this] { run_creator(); });
    for (int v = 1; v <= options_.viewers; ++v) {
      double at = closed(0) + options_.record_delay +
                  std::uniform_real_distribution<double>(0, options_.join_spread)(random_);
      spawn_viewer(v, at);
    }
    next_host_ = options_.viewers + 1;
    if (options_.churn_per_minute > 0)
      sg4::Actor::create("churn", platform_->host(creator), [this] { run_churn(); });
  }

  RunResult finish() {
    for (std::size_t id = 1; id < nodes_.size(); ++id) {
      const Node &n = nodes_[id];
      if (n.joined == 0 && !n.alive && n.left < 0)
        continue; // a host no viewer used
      ViewerReport report;
      report.viewer = n.id;
      const Access &access = platform_->access(n.id);
      report.region = Platform::region_names()[static_cast<std::size_t>(access.region)];
      report.up_bps = access.up_bps;
      report.down_bps = access.down_bps;
      report.joined = n.joined;
      report.left = n.left;
      report.uploaded = n.uploaded;
      report.downloaded = n.downloaded;
      report.dht_lookups = n.dht_lookups;
      report.head_fallbacks = n.head_fallbacks;
      collect_deliveries(n, report);
      result_.viewers.push_back(report);
    }
    result_.simulated_seconds = sg4::Engine::get_clock();
    return std::move(result_);
  }

private:
  Node &node(int id) { return nodes_[static_cast<std::size_t>(id)]; }
  /// A node's torrent of `seq`, if it has one.
  Torrent *torrent_of(int id, int seq) {
    auto &torrents = node(id).torrents;
    auto it = torrents.find(seq);
    return it == torrents.end() ? nullptr : &it->second;
  }
  bool has_chunk(int id, int seq, std::size_t chunk) {
    Torrent *torrent = torrent_of(id, seq);
    return torrent && torrent->have[chunk];
  }
  double closed(int seq) const { return (seq + 1) * options_.segment_seconds; }
  double now() const { return sg4::Engine::get_clock(); }

  // ---- the creator

  void run_creator() {
    for (int seq = 0; seq < segments_; ++seq) {
      sg4::this_actor::sleep_until(closed(seq) + options_.record_delay);
      Torrent &torrent = node(creator).torrents[seq];
      torrent.have.assign(static_cast<std::size_t>(chunks_), 1);
      torrent.requested.assign(static_cast<std::size_t>(chunks_), 0);
      torrent.have_count = chunks_;
      torrent.complete = true;
      published_ = seq;
      flood_record(seq);
      flush_wakes();
    }
  }

  /// The record reaches every member over the room channel: each passes
  /// the newest record on to all its channel peers at once, so it arrives
  /// along the fastest path (Dijkstra over the channel graph).
  void flood_record(int seq) {
    std::vector<double> at(nodes_.size(), never);
    using Entry = std::pair<double, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    at[creator] = now();
    queue.push({now(), creator});
    while (!queue.empty()) {
      auto [when, id] = queue.top();
      queue.pop();
      if (when > at[static_cast<std::size_t>(id)])
        continue;
      for (int peer : node(id).channel) {
        double arrives = when + platform_->one_way(id, peer) + record_hop;
        if (arrives < at[static_cast<std::size_t>(peer)]) {
          at[static_cast<std::size_t>(peer)] = arrives;
          queue.push({arrives, peer});
        }
      }
    }
    for (std::size_t id = 1; id < nodes_.size(); ++id)
      if (nodes_[id].alive && at[id] < never) {
        nodes_[id].arriving.push({at[id], seq});
        wake(static_cast<int>(id), 0); // the step takes it from `arriving` at its time
      }
  }

  // ---- arrivals and departures

  void spawn_viewer(int id, double at) {
    sg4::Actor::create("viewer-" + std::to_string(id), platform_->host(id), [this, id, at] {
      sg4::this_actor::sleep_until(at);
      run_viewer(id);
    });
  }

  void run_churn() {
    double rate = options_.churn_per_minute * options_.viewers / 60; // each way, per second
    std::exponential_distribution<double> gap(2 * rate);
    double t = closed(0) + options_.record_delay + options_.join_spread;
    double stop = closed(segments_ - 1);
    while (true) {
      t += gap(random_);
      if (t >= stop || next_host_ >= static_cast<int>(nodes_.size()))
        return;
      sg4::this_actor::sleep_until(t);
      if (std::bernoulli_distribution(0.5)(random_)) {
        spawn_viewer(next_host_++, t);
      } else {
        if (alive_.empty())
          continue;
        int leaver = alive_[std::uniform_int_distribution<std::size_t>(0, alive_.size() - 1)(random_)];
        if (node(leaver).leave_requested)
          continue;
        node(leaver).leave_requested = true;
        wake(leaver, 0);
        flush_wakes();
      }
    }
  }

  // ---- a viewer

  void run_viewer(int id) {
    Node &self = node(id);
    join(self);
    while (!self.leave_requested && now() < end_) {
      if (self.wake_at <= now())
        self.wake_at = never;
      step(self);
      if (!self.alarm)
        self.alarm = sg4::this_actor::exec_async(1e30);
      std::vector<sg4::ActivityPtr> waiting{self.alarm};
      for (const auto &transfer : self.transfers)
        waiting.push_back(transfer->comm);
      self.wait_deadline = std::min(next_timer(self), self.wake_at);
      self.waiting = true;
      try {
        sg4::Activity::wait_any_for(waiting, std::max(0.0, self.wait_deadline - now()));
      } catch (const simgrid::CancelException &) {
        // the alarm, cancelled by flush_wakes
      }
      self.waiting = false;
      finish_transfers(self);
      flush_wakes();
    }
    leave(self);
    flush_wakes();
  }

  /// RoomViewer's constructor and find_head: channel to the origin hint,
  /// the first member lookup, the head from the origin's handshake on the
  /// room channel (every viewer here has the hint, so no DHT read: TCP,
  /// BitTorrent and extension handshakes, two round trips), then the
  /// records from the newest - behind on (asked of the members: one RTT).
  /// The member lookup is still under way then, so a viewer ranks its
  /// first segments against the members it has met so far.
  void join(Node &self) {
    self.alive = true;
    self.joined = now();
    announced_.push_back(self.id); // RoomMembers announces at once
    alive_.push_back(self.id);
    connect_channel(self, creator);
    start_lookup(self);
    sg4::this_actor::sleep_for(4 * platform_->one_way(self.id, creator));
    self.last_head_read = now();
    int newest = published_;
    double answer = now() + 2 * platform_->one_way(self.id, creator);
    for (int seq = std::max(0, newest - view_defaults.behind); seq <= newest; ++seq)
      self.arriving.push({answer, seq});
    self.next_seq = std::max(0, newest - view_defaults.behind);
    self.first_seq = self.next_seq;
    self.last_record_at = now();
  }

  void leave(Node &self) {
    if (self.alarm)
      self.alarm->cancel();
    self.alarm = nullptr;
    for (auto &transfer : self.transfers)
      if (!transfer->comm->test())
        transfer->comm->cancel();
    self.transfers.clear();
    for (auto &[seq, torrent] : self.torrents)
      close_all(torrent);
    for (int peer : self.channel) {
      node(peer).channel.erase(self.id);
      node(peer).ranked_dirty = true;
    }
    self.channel.clear();
    self.alive = false;
    alive_.erase(std::find(alive_.begin(), alive_.end(), self.id));
    if (self.leave_requested)
      self.left = now();
  }

  void connect_channel(Node &self, int peer) {
    Node &other = node(peer);
    if (peer == self.id || !other.alive || self.channel.count(peer))
      return;
    auto limit = static_cast<std::size_t>(node_connections_limit);
    if (self.channel.size() >= limit || other.channel.size() >= limit)
      return;
    self.channel.insert(peer);
    other.channel.insert(self.id);
    self.ranked_dirty = other.ranked_dirty = true;
  }

  // ---- the DHT (modelled: a lookup takes member_round and returns up to
  // 64 of the members announced so far, those gone included)

  void start_lookup(Node &self) {
    ++self.dht_lookups;
    self.lookup_done = now() + member_round;
    self.next_lookup = self.lookup_done + seconds(view_defaults.member_interval);
  }

  void take_lookup(Node &self) {
    self.lookup_done = never;
    self.met_room = true;
    std::vector<int> sample;
    if (announced_.size() <= members_per_lookup + 1) {
      sample = announced_;
    } else {
      std::uniform_int_distribution<std::size_t> pick(0, announced_.size() - 1);
      std::unordered_set<int> taken;
      while (taken.size() < members_per_lookup)
        taken.insert(announced_[pick(random_)]);
      sample.assign(taken.begin(), taken.end());
    }
    sample.erase(std::remove(sample.begin(), sample.end(), self.id), sample.end());
    self.found = sample;
    for (int peer : sample)
      connect_channel(self, peer);
    self.ranked_dirty = true;
  }

  /// RoomViewer::fall_back_to_head: the channel quiet for a few segments.
  void maybe_read_head(Node &self) {
    double quiet = head_fallback_segments * options_.segment_seconds;
    if (now() - self.last_record_at < quiet || now() - self.last_head_read < quiet)
      return;
    self.last_head_read = now();
    ++self.dht_lookups;
    ++self.head_fallbacks;
    if (published_ >= 0)
      self.arriving.push({now() + options_.dht_lookup, published_});
  }

  // ---- one pass of RoomViewer::view's loop

  void step(Node &self) {
    while (!self.arriving.empty() && self.arriving.top().first <= now()) {
      int seq = self.arriving.top().second;
      self.arriving.pop();
      if (!self.known.count(seq)) {
        self.known[seq] = now();
        self.last_record_at = now();
      }
    }
    if (self.lookup_done <= now())
      take_lookup(self);
    if (self.next_lookup <= now())
      start_lookup(self);
    if (self.next_seq < segments_ && !self.known.count(self.next_seq))
      maybe_read_head(self);
    fill_window(self);
    for (auto &[seq, torrent] : self.torrents) {
      if (!torrent.complete)
        drive_fetch(self, seq, torrent);
      else if (torrent.seed_attempts > 0 && torrent.next_refresh <= now())
        seed_connect(self, seq, torrent);
    }
    hand_over(self);
    start_transfers(self);
    flush_wakes();
  }

  void fill_window(Node &self) {
    int newest = self.known.empty() ? -1 : self.known.rbegin()->first;
    for (int seq = self.next_seq; seq <= self.next_seq + view_defaults.read_ahead; ++seq) {
      if (!self.known.count(seq) || seq >= segments_)
        return;
      if (self.torrents.count(seq))
        continue;
      start_fetch(self, seq, seq == self.next_seq && !(newest <= seq + 1));
    }
  }

  std::vector<int> other_members(const Node &self) const {
    std::vector<int> result(self.channel.begin(), self.channel.end());
    for (int peer : self.found)
      if (!self.channel.count(peer))
        result.push_back(peer);
    result.erase(std::remove(result.begin(), result.end(), creator), result.end());
    return result;
  }

  void start_fetch(Node &self, int seq, bool deadline) {
    Torrent &torrent = self.torrents[seq];
    torrent.have.assign(static_cast<std::size_t>(chunks_), 0);
    torrent.requested.assign(static_cast<std::size_t>(chunks_), 0);
    torrent.known_at = self.known[seq];
    torrent.started_at = now();
    torrent.progressed = now();
    torrent.deadline = deadline;
    torrent.next_refresh = now() + options_.torrent_start;
    // As peer-fetch: ranked against the members connected to the room
    // channel only (a DHT announce outlives its member).
    std::vector<std::string> endpoints;
    for (int peer : self.channel)
      if (peer != creator)
        endpoints.push_back(node(peer).endpoint);
    torrent.origin_listed = (self.met_room || !options_.rank_after_lookup) &&
                            fetches_from_origin_first("segment-" + std::to_string(seq),
                                                      self.endpoint, endpoints, origin_first_);
    if (torrent.origin_listed)
      ++result_.first_fetchers;
  }

  /// Connections, the origin after origin_wait, requests on idle connections.
  void drive_fetch(Node &self, int seq, Torrent &torrent) {
    if (!torrent.origin_listed && now() - torrent.progressed > origin_wait_) {
      // libtorrent 2.0.8 connects a peer added to a running torrent on
      // its session's once-a-second tick (session_impl::on_tick), not at
      // once: measured 520-630 ms from connect_peer to the connection.
      torrent.origin_listed = true;
      torrent.next_refresh = std::min(torrent.next_refresh, next_tick(self));
    }
    if (torrent.next_refresh <= now()) {
      connect_peers(self, seq, torrent);
      torrent.next_refresh = now() + refresh_interval;
    }
    request_chunks(self, seq, torrent);
  }

  /// A new seed's torrent connects to the members still fetching (its peer
  /// list), trying each a few times (libtorrent's max_failcount).
  void seed_connect(Node &self, int seq, Torrent &torrent) {
    --torrent.seed_attempts;
    torrent.next_refresh = now() + refresh_interval;
    for (int peer : ranked_members(self)) {
      if (static_cast<int>(torrent.connections.size()) >= connection_limit(self.id))
        return;
      try_connect(self, seq, torrent, peer);
    }
  }

  /// The node's next libtorrent tick (a second apart, from a phase of
  /// its own).
  double next_tick(const Node &self) const {
    double phase = static_cast<double>(pair_rank(self.id, -1) % 1000) / 1000;
    return phase + std::ceil(now() - phase);
  }

  int connection_limit(int id) const {
    if (id == creator)
      return origin_limit_ > 0 ? origin_limit_ : std::numeric_limits<int>::max();
    return std::max(2, max_peers_);
  }

  /// BEP 40's peer rank, from both addresses (the same for every segment):
  /// libtorrent connects to higher ranks first, and a torrent at its
  /// connection limit lets a higher-ranked peer in by dropping its
  /// lowest-ranked one (torrent::attach_peer).
  static std::uint64_t pair_rank(int a, int b) {
    auto x = static_cast<std::uint64_t>(std::min(a, b)) << 32 | static_cast<std::uint64_t>(std::max(a, b));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }

  const std::vector<int> &ranked_members(Node &self) {
    if (self.ranked_dirty) {
      self.ranked = other_members(self);
      std::sort(self.ranked.begin(), self.ranked.end(), [&](int a, int b) {
        return pair_rank(self.id, a) > pair_rank(self.id, b);
      });
      self.ranked_dirty = false;
    }
    return self.ranked;
  }

  void connect_peers(Node &self, int seq, Torrent &torrent) {
    if (torrent.origin_listed && static_cast<int>(torrent.connections.size()) < connection_limit(self.id))
      try_connect(self, seq, torrent, creator);
    for (int peer : ranked_members(self)) {
      if (static_cast<int>(torrent.connections.size()) >= connection_limit(self.id))
        return;
      try_connect(self, seq, torrent, peer);
    }
  }

  /// A peer accepts a connection for a torrent it has, below its limit;
  /// seeds do not keep connections to seeds.
  void try_connect(Node &self, int seq, Torrent &torrent, int peer) {
    Node &other = node(peer);
    if (!other.alive || other.leave_requested)
      return;
    auto it = other.torrents.find(seq);
    if (it == other.torrents.end())
      return;
    Torrent &theirs = it->second;
    if (torrent.complete && theirs.complete)
      return; // seeds do not connect to seeds
    for (const auto &connection : torrent.connections)
      if (connection->other(self.id) == peer)
        return;
    if (static_cast<int>(theirs.connections.size()) >= connection_limit(peer) &&
        !make_room(peer, theirs, pair_rank(self.id, peer)))
      return;
    auto connection = std::make_shared<Connection>();
    connection->ends[0] = self.id;
    connection->ends[1] = peer;
    connection->seq = seq;
    // TCP and BitTorrent handshakes, bitfield, interested/unchoke, the
    // first request: about five one-way trips.
    connection->ready_at = now() + 5 * platform_->one_way(self.id, peer);
    torrent.connections.push_back(connection);
    theirs.connections.push_back(connection);
    if (peer == creator)
      count_origin_connections(+1);
    wake(peer, platform_->one_way(self.id, peer));
  }

  /// A full torrent at `id` drops its lowest-ranked connection for a
  /// newcomer of rank `rank`, if that is higher.
  bool make_room(int id, Torrent &torrent, std::uint64_t rank) {
    ConnectionPtr lowest;
    std::uint64_t lowest_rank = 0;
    for (const auto &connection : torrent.connections) {
      if (connection->other(id) == creator)
        continue; // simplification: see README, "the origin's connection"
      std::uint64_t r = pair_rank(id, connection->other(id));
      if (!lowest || r < lowest_rank) {
        lowest = connection;
        lowest_rank = r;
      }
    }
    if (!lowest || lowest_rank >= rank)
      return false;
    close(lowest);
    return true;
  }

  void count_origin_connections(int change) {
    origin_connections_ += change;
    result_.peak_origin_connections = std::max(result_.peak_origin_connections, origin_connections_);
  }

  /// Rarest first over this torrent's connections (the newest segment has
  /// no deadline); in order for a segment with a deadline.
  void request_chunks(Node &self, int seq, Torrent &torrent) {
    std::vector<int> holders(static_cast<std::size_t>(chunks_), 0);
    for (const auto &connection : torrent.connections) {
      for (int c = 0; c < chunks_; ++c)
        holders[static_cast<std::size_t>(c)] +=
            has_chunk(connection->other(self.id), seq, static_cast<std::size_t>(c));
    }
    for (const auto &connection : torrent.connections) {
      int side = connection->side(self.id);
      if (!connection->open || connection->busy[side] || connection->ready_at > now())
        continue;
      int peer = connection->other(self.id);
      // Ties between equally rare chunks go to a random one (libtorrent's
      // picker): here, the first from an offset of this viewer's own.
      int offset = torrent.deadline ? 0 : static_cast<int>(pair_rank(self.id, seq + 1) % chunks_);
      int pick = -1;
      for (int k = 0; k < chunks_; ++k) {
        int c = (k + offset) % chunks_;
        auto i = static_cast<std::size_t>(c);
        if (torrent.requested[i] || torrent.have[i] || !has_chunk(peer, seq, i) ||
            (peer == creator && !origin_may_send(seq, i)))
          continue;
        if (pick < 0 || (!torrent.deadline && holders[i] < holders[static_cast<std::size_t>(pick)]))
          pick = c;
      }
      if (pick < 0 && all_requested(torrent))
        pick = end_game_pick(torrent, peer, seq, offset);
      if (pick >= 0)
        request(self, seq, torrent, connection, pick);
    }
  }

  /// Super-seeding (an experiment, --origin-super-seed): the origin sends
  /// no piece twice before it has sent every piece once.
  bool origin_may_send(int seq, std::size_t chunk) {
    if (!options_.origin_super_seed)
      return true;
    const Torrent &origin = *torrent_of(creator, seq);
    if (!origin.requested[chunk])
      return true;
    return std::all_of(origin.requested.begin(), origin.requested.end(),
                       [](char sent) { return sent != 0; });
  }

  static bool all_requested(const Torrent &torrent) {
    for (std::size_t i = 0; i < torrent.have.size(); ++i)
      if (!torrent.have[i] && !torrent.requested[i])
        return false;
    return true;
  }

  /// libtorrent's end game: every piece is requested, so an idle peer asks
  /// for one still in flight elsewhere (twice at most); the first copy in
  /// cancels the other.
  int end_game_pick(const Torrent &torrent, int peer, int seq, int offset) {
    for (int k = 0; k < chunks_; ++k) {
      int c = (k + offset) % chunks_;
      auto i = static_cast<std::size_t>(c);
      if (!torrent.have[i] && torrent.requested[i] == 1 && has_chunk(peer, seq, i))
        return c;
    }
    return -1;
  }

  void request(Node &self, int seq, Torrent &torrent, const ConnectionPtr &connection, int chunk) {
    auto transfer = std::make_unique<Transfer>();
    transfer->from = connection->other(self.id);
    transfer->to = self.id;
    transfer->seq = seq;
    transfer->chunk = chunk;
    transfer->connection = connection;
    std::uint64_t offset = static_cast<std::uint64_t>(chunk) * options_.chunk_bytes;
    transfer->bytes = std::min<std::uint64_t>(options_.chunk_bytes, segment_bytes_ - offset);
    ++torrent.requested[static_cast<std::size_t>(chunk)];
    if (transfer->from == creator) // the origin's pieces sent, for super-seeding
      torrent_of(creator, seq)->requested[static_cast<std::size_t>(chunk)] = 1;
    connection->busy[connection->side(self.id)] = true;
    requests_.push_back(std::move(transfer));
  }

  /// Starts the chunks requested (flows from the holder to this node).
  void start_transfers(Node &self) {
    std::vector<std::unique_ptr<Transfer>> started;
    started.swap(requests_);
    for (auto &transfer : started) {
      transfer->comm = sg4::Comm::sendto_async(platform_->host(transfer->from),
                                               platform_->host(transfer->to), transfer->bytes);
      self.transfers.push_back(std::move(transfer));
    }
  }

  void finish_transfers(Node &self) {
    for (std::size_t i = 0; i < self.transfers.size();) {
      Transfer &transfer = *self.transfers[i];
      if (transfer.cancelled || !transfer.comm->test()) {
        ++i;
        continue;
      }
      transfer_ended(self, transfer);
      took_chunk(self, transfer);
      self.transfers[i] = std::move(self.transfers.back());
      self.transfers.pop_back();
    }
    for (std::size_t i = 0; i < self.transfers.size();) {
      Transfer &transfer = *self.transfers[i];
      if (!transfer.cancelled) {
        ++i;
        continue;
      }
      transfer.comm->cancel();
      transfer_ended(self, transfer);
      self.transfers[i] = std::move(self.transfers.back());
      self.transfers.pop_back();
    }
  }

  void transfer_ended(Node &self, const Transfer &transfer) {
    transfer.connection->busy[transfer.connection->side(self.id)] = false;
    if (Torrent *torrent = torrent_of(self.id, transfer.seq))
      --torrent->requested[static_cast<std::size_t>(transfer.chunk)];
  }

  void took_chunk(Node &self, const Transfer &transfer) {
    Node &source = node(transfer.from);
    source.uploaded += transfer.bytes;
    self.downloaded += transfer.bytes;
    if (transfer.from == creator) {
      result_.creator_uploaded += transfer.bytes;
      result_.creator_by_segment[static_cast<std::size_t>(transfer.seq)] += transfer.bytes;
    }
    auto it = self.torrents.find(transfer.seq);
    if (it == self.torrents.end())
      return;
    Torrent &torrent = it->second;
    auto chunk = static_cast<std::size_t>(transfer.chunk);
    if (transfer.from == creator)
      torrent.origin_bytes += transfer.bytes;
    if (torrent.have[chunk])
      return;
    torrent.have[chunk] = 1;
    ++torrent.have_count;
    torrent.progressed = now();
    for (auto &other : self.transfers)
      if (other.get() != &transfer && other->seq == transfer.seq && other->chunk == transfer.chunk)
        other->cancelled = true;
    // A "have": peers that lack this chunk and are idle towards us ask for it.
    for (const auto &connection : torrent.connections) {
      int peer = connection->other(self.id);
      if (connection->open && !connection->busy[connection->side(peer)] &&
          !has_chunk(peer, transfer.seq, chunk))
        wake(peer, platform_->one_way(self.id, peer));
    }
    if (torrent.have_count == chunks_)
      completed(self, transfer.seq, torrent);
  }

  void completed(Node &self, int seq, Torrent &torrent) {
    torrent.complete = true;
    torrent.complete_at = now();
    torrent.seed_attempts = seed_connect_rounds;
    torrent.next_refresh = now();
    // libtorrent closes connections between two seeds.
    std::vector<ConnectionPtr> redundant;
    for (const auto &connection : torrent.connections) {
      Torrent *theirs = torrent_of(connection->other(self.id), seq);
      if (theirs && theirs->complete)
        redundant.push_back(connection);
    }
    for (const auto &connection : redundant)
      close(connection);
  }

  /// Closes a connection and takes it off both ends' torrents.
  void close(ConnectionPtr connection) {
    if (!connection->open)
      return;
    connection->open = false;
    if (connection->ends[0] == creator || connection->ends[1] == creator)
      count_origin_connections(-1);
    for (int end : connection->ends)
      if (Torrent *torrent = torrent_of(end, connection->seq)) {
        auto &list = torrent->connections;
        list.erase(std::remove(list.begin(), list.end(), connection), list.end());
      }
  }

  void close_all(Torrent &torrent) {
    std::vector<ConnectionPtr> all = torrent.connections;
    for (const auto &connection : all)
      close(connection);
  }

  /// In seq order, as RoomViewer hands segments over; torrents past
  /// segments_kept_seeding are let go of.
  void hand_over(Node &self) {
    while (true) {
      auto it = self.torrents.find(self.next_seq);
      if (it == self.torrents.end() || !it->second.complete)
        return;
      Torrent &torrent = it->second;
      Delivery delivery;
      delivery.viewer = self.id;
      delivery.seq = self.next_seq;
      delivery.closed = closed(self.next_seq);
      delivery.known = torrent.known_at;
      delivery.verified = now();
      delivery.live = closed(self.next_seq) >= self.joined;
      delivery.origin_bytes = torrent.origin_bytes;
      result_.deliveries.push_back(delivery);
      self.seeding.push_back(self.next_seq);
      ++self.next_seq;
      while (self.seeding.size() > segments_kept_seeding) {
        auto old = self.torrents.find(self.seeding.front());
        close_all(old->second);
        self.torrents.erase(old);
        self.seeding.pop_front();
      }
    }
  }

  double next_timer(const Node &self) const {
    double next = std::min(end_, self.next_lookup);
    next = std::min(next, self.lookup_done);
    if (!self.arriving.empty())
      next = std::min(next, self.arriving.top().first);
    if (self.next_seq < segments_ && !self.known.count(self.next_seq))
      next = std::min(next, std::max(self.last_record_at, self.last_head_read) +
                                head_fallback_segments * options_.segment_seconds);
    for (const auto &[seq, torrent] : self.torrents) {
      if (torrent.complete) {
        if (torrent.seed_attempts > 0)
          next = std::min(next, torrent.next_refresh);
        continue;
      }
      next = std::min(next, torrent.next_refresh);
      if (!torrent.origin_listed)
        next = std::min(next, torrent.progressed + origin_wait_ + 1e-6);
      for (const auto &connection : torrent.connections)
        if (connection->ready_at > now())
          next = std::min(next, connection->ready_at);
    }
    return next;
  }

  /// Makes `id`'s actor look at the swarm again after `delay` (a "have"
  /// or a new connection: one latency; a record or a departure: at once,
  /// the record's own arrival time being in `arriving`); done by
  /// flush_wakes.
  void wake(int id, double delay) { wakes_.emplace_back(id, now() + delay); }

  /// Hands the queued wake-ups over. Every SimGrid call lets other actors
  /// run, and they change connection lists: so no SimGrid call is made
  /// while such a list is being walked, only here and in start_transfers.
  /// A viewer waiting past a wake-up's time is interrupted by cancelling
  /// its alarm (a computation on its own host: no network flow, so the
  /// network's max-min system is not solved again); it then waits until
  /// the wake-up's time. (Before, each wake-up was a mailbox message: an
  /// empty network flow, one or two re-solves of the whole network each,
  /// and they queued in the viewer's mailbox faster than it took them, 12
  /// deep on average at 100 viewers, so most arrived seconds late.) The
  /// creator has no loop to wake.
  void flush_wakes() {
    std::vector<std::pair<int, double>> targets;
    targets.swap(wakes_);
    for (auto [id, at] : targets) {
      Node &target = node(id);
      if (id == creator || !target.alive)
        continue;
      target.wake_at = std::min(target.wake_at, at);
      if (target.waiting && target.wake_at < target.wait_deadline) {
        target.waiting = false;
        target.alarm->cancel();
        target.alarm = nullptr;
      }
    }
  }

  void collect_deliveries(const Node &n, ViewerReport &report) {
    if (delivered_.empty()) {
      delivered_.assign(nodes_.size(), 0);
      for (const auto &delivery : result_.deliveries)
        ++delivered_[static_cast<std::size_t>(delivery.viewer)];
    }
    report.segments = delivered_[static_cast<std::size_t>(n.id)];
    if (n.first_seq < 0) {
      report.missing = 0;
      return;
    }
    double until = n.left >= 0 ? n.left : end_;
    int expected = 0;
    for (int seq = n.first_seq; seq < segments_; ++seq)
      if (closed(seq) + options_.record_delay + options_.drain_seconds / 2 <= until)
        ++expected;
    report.missing = std::max(0, expected - report.segments);
  }

  const RunOptions &options_;
  std::mt19937_64 &random_;
  int max_peers_;
  std::size_t origin_first_;
  double origin_wait_;
  int origin_limit_; ///< the creator's connections per segment; 0: no limit
  int segments_ = 0;
  int chunks_ = 0;
  std::uint64_t segment_bytes_ = 0;
  double end_ = 0;
  int published_ = -1;
  int next_host_ = 1;
  int origin_connections_ = 0;
  std::vector<int> announced_; ///< members on the DHT, gone ones included
  std::vector<int> alive_;
  std::vector<std::pair<int, double>> wakes_; ///< (node, when): see flush_wakes
  /// Chunks chosen by request_chunks, started by start_transfers.
  std::vector<std::unique_ptr<Transfer>> requests_;
  std::vector<int> delivered_; ///< segments handed over, by node
  std::unique_ptr<Platform> platform_;
  std::vector<Node> nodes_;
  RunResult result_;
};

/// A player starting at the viewer's first segment the moment it has it,
/// playing on in media time (as scripts/bench-swarm-lib.sh's timeline).
void add_stalls(RunResult &result, double segment_seconds) {
  std::map<int, std::vector<Delivery *>> by_viewer;
  for (auto &delivery : result.deliveries)
    by_viewer[delivery.viewer].push_back(&delivery);
  for (auto &[viewer, list] : by_viewer) {
    std::sort(list.begin(), list.end(), [](auto *a, auto *b) { return a->seq < b->seq; });
    double base = list.front()->verified;
    int first = list.front()->seq;
    double stalled = 0;
    for (auto *delivery : list) {
      double need = base + (delivery->seq - first) * segment_seconds + stalled;
      delivery->stall = std::max(0.0, delivery->verified - need);
      stalled += delivery->stall;
    }
  }
}

} // namespace

RunResult run_swarm(const RunOptions &options, const std::vector<std::string> &engine_args) {
  auto wall_start = std::chrono::steady_clock::now();
  std::vector<std::string> args = engine_args;
  args.insert(args.begin(), "swarm-sim");
  std::vector<char *> argv;
  for (auto &arg : args)
    argv.push_back(arg.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  std::mt19937_64 random(options.seed);
  Swarm swarm(options, random);
  swarm.start();
  engine.run();
  RunResult result = swarm.finish();
  add_stalls(result, options.segment_seconds);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

} // namespace hlswarm::sim
