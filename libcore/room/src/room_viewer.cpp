#include "hlswarm/room/room_viewer.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/room_channel.hpp"
#include "hlswarm/net/transfer_stats.hpp"
#include "hlswarm/room/room_members.hpp"
#include "hlswarm/room/viewer_policy.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds left_until(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

using namespace viewer_policy;

/// A segment being fetched.
struct Fetch {
  SignedRecord record;
  std::string infohash;
  std::filesystem::path file;
  std::uint64_t verified_bytes = 0;
  Clock::time_point started{};
  Clock::time_point progressed{};
  bool origin_connected = false;
  /// When the origin became a source, in ms after the fetch started (0:
  /// at once, as a first fetcher); none while it is not one.
  std::optional<std::int64_t> origin_added_ms;
};

} // namespace

struct RoomViewer::Impl {
  Impl(Node &node_, RoomUri uri_, ViewOptions options_)
      : node(node_), uri(std::move(uri_)), options(std::move(options_)) {}

  // On a Node that outlives the viewer (peer-seed's), what the viewer
  // added is let go of: what should stay served, a server seeds from the
  // store's files.
  ~Impl() {
    members.reset();
    for (const auto &[seq, fetch] : fetches)
      node.remove(fetch.infohash);
    for (const auto &infohash : seeding)
      node.remove(infohash);
    for (const auto &infohash : chain_downloads)
      node.remove(infohash);
  }

  Node &node;
  RoomUri uri;
  ViewOptions options;
  std::shared_ptr<RoomChannel> channel;
  std::optional<RoomMembers> members;
  std::vector<HostPort> hints;   ///< x.pe
  std::vector<HostPort> origins; ///< the head's
  std::set<std::string> origin_ips;
  RoomState state = RoomState::live;
  std::string chain_info;        ///< the head's chain torrent
  int chain_fetches = 0;
  /// A complete room's every record (from its chain torrent).
  std::vector<SignedRecord> whole_chain;
  std::vector<std::string> chain_downloads; ///< chain torrents fetched
  std::optional<SignedRecord> previous; ///< the last record handed over
  std::map<std::int64_t, Fetch> fetches;
  std::deque<std::string> seeding;      ///< handed over, still seeded
  double segment_seconds = 8;           ///< the room's segment duration
  std::string self; ///< where this node listens, as members see it
  Clock::time_point last_record_at = Clock::now();
  Clock::time_point last_head_read{};
  nlohmann::json segment_stats = nlohmann::json::array();

  // The store, when there is one.
  std::optional<Store> store;
  RoomId room_id = 0;

  bool is_origin(const HostPort &peer) const {
    return std::find(origins.begin(), origins.end(), peer) != origins.end() ||
           std::find(hints.begin(), hints.end(), peer) != hints.end();
  }

  /// The members that are not the origin: those on the room channel now
  /// and those the DHT named, which may have left since they announced.
  std::vector<HostPort> other_members() const {
    return without_origin(members ? members->current() : std::vector<HostPort>{});
  }

  /// The members on the room channel now (their extension handshake came
  /// over a live connection), not the origin. A member the DHT still names
  /// may have gone hours ago: ranking against it made a viewer wait for
  /// it, and go to the origin late, for every segment it "would" have
  /// fetched first (bench-swarm-bulk: 12.8 MB/s against 65 MB/s).
  std::vector<HostPort> connected_members() const {
    return without_origin(channel ? channel->members() : std::vector<HostPort>{});
  }

  std::vector<HostPort> without_origin(std::vector<HostPort> peers) const {
    peers.erase(std::remove_if(peers.begin(), peers.end(),
                               [&](const HostPort &peer) { return is_origin(peer); }),
                peers.end());
    return peers;
  }

  std::vector<HostPort> origin_sources() const {
    std::vector<HostPort> result = origins;
    for (const auto &hint : hints)
      if (std::find(result.begin(), result.end(), hint) == result.end())
        result.push_back(hint);
    return result;
  }

  std::vector<HostPort> sources() const {
    std::vector<HostPort> result = members ? members->current() : std::vector<HostPort>{};
    for (const auto *list : {&origins, &hints})
      for (const auto &peer : *list)
        if (std::find(result.begin(), result.end(), peer) == result.end())
          result.push_back(peer);
    return result;
  }

  // ---- finding the room

  /// Finds the head until one names a record, or says the room is live
  /// (its first record then comes on the channel): the way in. A member
  /// hands the head on in its handshake, so with origin hints it comes
  /// from them first; otherwise from the DHT, whose lookups back off from
  /// a quarter of a second to four seconds.
  RoomHead find_head() {
    const auto deadline = Clock::now() + options.find_timeout;
    std::optional<std::string> invalid;
    std::int64_t tried_seq = -1; ///< the channel's head last decoded
    if (!hints.empty())
      channel->wait_for_head(std::min(head_from_members_wait, left_until(deadline)));
    milliseconds pause{250};
    while (!stop_requested()) {
      if (Clock::now() >= deadline) {
        if (invalid)
          throw Error(Exit::data, format_room_uri(uri.room),
                      fmt::format("no valid room head: {}", *invalid));
        throw Error(Exit::unavailable, format_room_uri(uri.room),
                    fmt::format("room not found within {:g} s",
                                options.find_timeout.count() / 1000.0));
      }
      std::optional<MutableItem> item = channel->head();
      if (!item || item->seq == tried_seq) {
        item = node.get_item(uri.room.creator, uri.room.name,
                             std::min(left_until(deadline), milliseconds(3000)));
        last_head_read = Clock::now();
      }
      if (item) {
        tried_seq = item->seq;
        try {
          RoomHead head = decode_room_head(item->value, uri.room, "room head");
          if (head.seq || head.state == RoomState::live)
            return head;
        } catch (const Error &e) {
          // A head that passed the DHT's signature check but not ours: the
          // creator's key signed something else. Logged and waited out.
          diag::warningf("{}: ignored", e.what());
          invalid = e.what();
        }
      }
      wait_for_stop(std::min(pause, left_until(deadline)));
      pause = std::min(pause * 2, milliseconds(4000));
    }
    throw Error(Exit::interrupted, format_room_uri(uri.room), "interrupted");
  }

  void take_head(const RoomHead &head) {
    state = head.state;
    for (const auto &hint : hints)
      origin_ips.insert(hint.host);
    chain_info = head.chain_info;
    for (const auto &origin : head.origins)
      if (std::find(origins.begin(), origins.end(), origin) == origins.end()) {
        origins.push_back(origin);
        origin_ips.insert(origin.host);
      }
    channel->connect(head.origins);
    if (!head.record.empty())
      channel->add(decode_record(head.record, "room head record"));
  }

  /// Reads the head again when the channel has been quiet for a few
  /// segment durations: records still flow if every neighbour left.
  void fall_back_to_head() {
    auto quiet = milliseconds(static_cast<std::int64_t>(
        head_fallback_segments * segment_seconds * 1000));
    auto now = Clock::now();
    if (now - last_record_at < quiet || now - last_head_read < quiet)
      return;
    last_head_read = now;
    auto item = node.get_item(uri.room.creator, uri.room.name, milliseconds(3000));
    if (!item)
      return;
    try {
      take_head(decode_room_head(item->value, uri.room, "room head"));
    } catch (const Error &e) {
      diag::warningf("{}: ignored", e.what());
    }
  }

  /// Every record of the room from the chain torrent, added to the channel.
  std::vector<SignedRecord> fetch_chain(Clock::time_point deadline) {
    auto file = options.fetch_dir / fmt::format(".chain-{}", chain_fetches++);
    DownloadOptions download;
    download.peers = sources();
    auto infohash = node.download(chain_info, file, download);
    chain_downloads.push_back(infohash);
    // Members found while it comes are sources too (a room whose origin
    // is gone has only them).
    while (!node.wait_complete(infohash, std::min(left_until(deadline), milliseconds(1000))) &&
           Clock::now() < deadline)
      node.connect_peers(infohash, sources());
    if (!node.wait_complete(infohash, milliseconds(0)))
      throw Error(Exit::unavailable, format_room_uri(uri.room),
                  "chain torrent not fetched in time");
    auto records = read_chain_records(read_whole_file(file), uri.room, "chain torrent");
    for (const auto &record : records)
      channel->add(record);
    return records;
  }

  /// The record `seq`: from the channel, else asked of the members, else
  /// from the chain torrent. nullopt if none came by `deadline`.
  std::optional<SignedRecord> record_at(std::int64_t seq, Clock::time_point deadline) {
    if (auto record = channel->record(seq))
      return record;
    channel->request(seq, seq + max_records_per_want - 1);
    if (channel->wait_for(seq, std::min(left_until(deadline), want_interval)))
      return channel->record(seq);
    if (!chain_info.empty() && Clock::now() < deadline) {
      try {
        fetch_chain(deadline);
      } catch (const Error &e) {
        diag::warningf("{}", e.what());
      }
    }
    return channel->record(seq);
  }

  // ---- where to start

  /// The first seq to hand over, and the last (nullopt: follow to the end).
  std::pair<std::int64_t, std::optional<std::int64_t>> choose_start() {
    auto deadline = Clock::now() + options.give_up;
    if (state != RoomState::live) {
      // A complete room: every record, for seeking.
      auto records = fetch_chain(deadline);
      if (records.empty())
        throw Error(Exit::data, format_room_uri(uri.room), "the room has no records");
      std::int64_t last_segment = records.back().fields.seq - (records.back().fields.end ? 1 : 0);
      whole_chain = records;
      if (options.choose_span)
        return options.choose_span(records);
      return {0, last_segment};
    }
    // A live room that has not begun: its first record comes on the
    // channel (or, failing that, in a later head).
    auto waited_since = Clock::now();
    while (!channel->newest_seq() && !stop_requested()) {
      if (Clock::now() - waited_since > options.find_timeout)
        throw Error(Exit::unavailable, format_room_uri(uri.room),
                    fmt::format("the room has not begun within {:g} s",
                                options.find_timeout.count() / 1000.0));
      if (!channel->wait_for(0, milliseconds(1000)))
        fall_back_to_head();
    }
    std::int64_t newest = channel->newest_seq().value_or(0);
    return {std::max<std::int64_t>(0, newest - options.behind), std::nullopt};
  }

  // ---- the store

  void open_store() {
    if (options.store.empty())
      return;
    store.emplace(options.store);
    const std::string creator = public_key_hex(uri.room.creator);
    auto existing = store->find_room(creator, uri.room.name);
    RoomMode mode = state == RoomState::vod ? RoomMode::vod : RoomMode::live;
    room_id = existing ? existing->id : store->add_room(creator, uri.room.name, mode);
    // A complete room's records all go in, whatever span is watched: they
    // are small, and with them the store's copy of the room is a chain
    // (a distributor serves its chain torrent; the end record says it
    // ended).
    for (const auto &record : whole_chain)
      keep_in_store(record, nullptr, {});
    if (options.count_as_watched)
      store->note_creator_watched(creator);
  }

  void keep_in_store(const SignedRecord &record, const std::filesystem::path *file,
                     const std::string &infohash) {
    if (!store)
      return;
    try {
      if (file) {
        NewSegment segment;
        segment.infohash = infohash;
        segment.room = room_id;
        segment.seq = record.fields.seq;
        segment.source = *file;
        store->add_segment(segment);
      }
      store->put_record(room_id, record.fields.seq, to_hex(digest_bytes(record.id)),
                        record.bytes);
      if (record.fields.end)
        store->set_room_ended(room_id, true);
    } catch (const Error &e) {
      // The viewer goes on: a full disk must not stop the picture.
      diag::warningf("store: {}", e.what());
    }
  }

  // ---- fetching

  void start_fetch(const SignedRecord &record, bool next) {
    Fetch fetch;
    fetch.record = record;
    auto info = decode_segment_info(record.fields.info_dict, "record");
    fetch.file = options.fetch_dir / fmt::format("{}-{}", record.fields.seq, info.name);
    DownloadOptions download;
    download.peers = other_members();
    if (fetches_first(record, connected_members())) {
      auto origin = origin_sources();
      download.peers.insert(download.peers.end(), origin.begin(), origin.end());
      fetch.origin_connected = true;
      fetch.origin_added_ms = 0;
    }
    download.max_peers = options.max_peers;
    if (next)
      download.deadline = next_segment_deadline;
    fetch.infohash = node.download(record.fields.info_dict, fetch.file, download);
    fetch.started = fetch.progressed = Clock::now();
    if (record.fields.duration_us > 0)
      segment_seconds = static_cast<double>(record.fields.duration_us) / 1e6;
    fetches.emplace(record.fields.seq, std::move(fetch));
  }

  /// Whether this node is among the first fetchers of `record`'s segment
  /// (see origin_first_fetchers), given the other members.
  bool fetches_first(const SignedRecord &record, const std::vector<HostPort> &others) const {
    std::vector<std::string> endpoints;
    for (const auto &peer : others)
      endpoints.push_back(peer.to_string());
    return fetches_from_origin_first(record.fields.info_dict, self, endpoints);
  }

  /// Starts fetches for the records in [next, next + read_ahead].
  void fill_window(std::int64_t next, std::optional<std::int64_t> last) {
    for (std::int64_t seq = next; seq <= next + options.read_ahead; ++seq) {
      if (last && seq > *last)
        return;
      if (fetches.count(seq))
        continue;
      auto record = channel->record(seq);
      if (!record)
        return;
      if (record->fields.end)
        return;
      // Deadlines make a segment come in order from the fastest peer: for
      // a segment the room is still spreading (the newest) that is the
      // origin, for every viewer at once. They go on segments that others
      // have had time to fetch, where they rescue the play position.
      bool newest = channel->newest_seq().value_or(seq) <= seq + 1;
      start_fetch(*record, seq == next && !newest);
    }
  }

  /// Connects the current members to every fetch in flight: a peer that
  /// joined or got the segment meanwhile becomes a source.
  void refresh_sources() {
    auto peers = other_members();
    for (auto &[seq, fetch] : fetches)
      node.connect_peers(fetch.infohash, peers);
  }

  /// Notes which fetches progressed; one that no member has fed for
  /// origin_wait gets the origin as a source.
  void watch_fetches() {
    auto now = Clock::now();
    for (auto &[seq, fetch] : fetches) {
      auto progress = node.progress(fetch.infohash);
      if (!progress)
        continue;
      if (progress->verified_bytes != fetch.verified_bytes) {
        fetch.verified_bytes = progress->verified_bytes;
        fetch.progressed = now;
      } else if (!fetch.origin_connected && now - fetch.progressed > origin_wait) {
        node.connect_peers(fetch.infohash, origin_sources());
        fetch.origin_connected = true;
        fetch.origin_added_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - fetch.started).count();
      }
    }
  }

  ViewedSegment hand_over(Fetch &fetch, const DownloadProgress &progress) {
    ViewedSegment segment;
    segment.record = fetch.record;
    segment.file = fetch.file;
    segment.infohash = fetch.infohash;
    segment.known_ms = channel->known_ms(fetch.record.fields.seq);
    segment.verified_ms = unix_time_ms();
    for (const auto &[ip, bytes] : progress.from_peers)
      (origin_ips.count(ip) ? segment.origin_bytes : segment.peer_bytes) += bytes;
    segment_stats.push_back({{"seq", fetch.record.fields.seq},
                             {"bytes", fetch.record.fields.size},
                             {"origin_bytes", segment.origin_bytes},
                             {"peer_bytes", segment.peer_bytes},
                             {"verified_ms", segment.verified_ms},
                             {"record_to_verified_ms",
                              segment.known_ms ? segment.verified_ms - segment.known_ms : 0}});
    if (fetch.origin_added_ms)
      segment_stats.back()["origin_added_ms"] = *fetch.origin_added_ms;
    node.set_stats_section("segments", segment_stats);
    return segment;
  }

  void retire(const std::string &infohash) {
    seeding.push_back(infohash);
    while (seeding.size() > segments_kept_seeding) {
      node.remove(seeding.front());
      seeding.pop_front();
    }
  }

  /// An fMP4 fragment must name an init record of the room that came before.
  void check_init(const SignedRecord &record) {
    if (!record.fields.init_seq)
      return;
    auto init = channel->record(*record.fields.init_seq);
    if (auto problem = init_problem(record, init ? &*init : nullptr))
      throw Error(Exit::data, fmt::format("seq {}", record.fields.seq), *problem);
  }

  void check_link(const SignedRecord &record) {
    if (!previous)
      return;
    if (auto problem = link_problem(&*previous, record))
      throw Error(Exit::data, fmt::format("seq {}", record.fields.seq), *problem);
  }
};

RoomViewer::RoomViewer(Node &node, RoomUri uri, ViewOptions options)
    : impl_(std::make_unique<Impl>(node, std::move(uri), std::move(options))) {
  auto &impl = *impl_;
  for (const auto &hint : impl.uri.origin_hints())
    impl.hints.push_back(parse_host_port(hint, "x.pe origin hint"));
  std::filesystem::create_directories(impl.options.fetch_dir);
  impl.self = node.listen_endpoints().front().to_string();
  impl.channel = node.join_room(impl.uri.room);
  impl.channel->connect(impl.hints);
  impl.members.emplace(node, impl.uri.room, impl.channel, impl.options.member_interval);
}

RoomViewer::~RoomViewer() = default;

nlohmann::json RoomViewer::stats() const {
  auto counters = impl_->channel->counters();
  return {{"records_kept", counters.records_kept},
          {"duplicates", counters.duplicates},
          {"records_sent", counters.records_sent},
          {"rejected", counters.rejected},
          {"peers_dropped", counters.peers_dropped},
          {"wants_sent", counters.wants_sent},
          {"members", counters.members}};
}

ViewEnd RoomViewer::view(const ViewEvents &events) {
  auto &impl = *impl_;
  impl.take_head(impl.find_head());
  if (impl.state == RoomState::live && impl.options.choose_span)
    throw Error(Exit::usage, "--from/--to",
                "the room is live: a span is for a prepared video or an ended room "
                "(use --behind)");
  auto [next, last] = impl.choose_start();
  // fMP4: the init segment the first fragment needs comes before it (a
  // later one is in seq order anyway).
  // -1: none. (GCC 12 warns that an optional here may be uninitialized.)
  std::int64_t prelude = -1;
  if (auto first = impl.record_at(next, Clock::now() + impl.options.give_up))
    if (first->fields.init_seq && *first->fields.init_seq < next)
      prelude = *first->fields.init_seq;
  impl.open_store();
  if (events.joined)
    events.joined(impl.state, next);
  impl.last_record_at = Clock::now();
  auto waiting_since = Clock::now();
  auto next_progress = Clock::now();
  auto next_refresh = Clock::now() + milliseconds(1000);
  double media_seconds = 0;

  while (true) {
    if (stop_requested())
      return ViewEnd::interrupted;
    if (last && next > *last)
      return ViewEnd::span_done;
    auto now = Clock::now();
    impl.fill_window(next, last);
    if (prelude >= 0 && !impl.fetches.count(prelude))
      if (auto init = impl.record_at(prelude, Clock::now() + want_interval))
        impl.start_fetch(*init, true);
    impl.watch_fetches();
    if (now >= next_refresh) {
      impl.refresh_sources();
      next_refresh = now + milliseconds(1000);
    }
    if (events.progress && now >= next_progress) {
      ViewStatus status;
      status.state = impl.state;
      status.next_seq = next;
      status.newest_seq = impl.channel->newest_seq().value_or(-1);
      status.fetching = static_cast<int>(impl.fetches.size());
      status.members = impl.channel->counters().members;
      status.media_seconds = media_seconds;
      events.progress(status);
      next_progress = now + milliseconds(500);
    }

    auto fetch = impl.fetches.find(prelude >= 0 ? prelude : next);
    if (prelude >= 0 && fetch == impl.fetches.end())
      continue; // its record is being asked for
    if (fetch == impl.fetches.end()) {
      // No record for `next` yet (live), or it is the end record.
      if (auto record = impl.channel->record(next)) {
        impl.check_link(*record);
        if (record->fields.end) {
          impl.keep_in_store(*record, nullptr, {});
          if (events.ended)
            events.ended(*record);
          return ViewEnd::ended;
        }
        continue; // fill_window starts it
      }
      if (now - waiting_since > impl.options.give_up)
        throw Error(Exit::unavailable, fmt::format("seq {}", next),
                    fmt::format("no record for {:g} s: the room's creator and "
                                "members have gone quiet",
                                impl.options.give_up.count() / 1000.0));
      impl.fall_back_to_head();
      if (impl.channel->wait_for(next, want_interval)) {
        impl.last_record_at = Clock::now();
      } else if (impl.state != RoomState::live || impl.channel->newest_seq().value_or(-1) > next) {
        // A gap: ask the members for what we missed.
        impl.record_at(next, Clock::now() + want_interval);
      } else {
        impl.channel->request(next, next + max_records_per_want - 1);
      }
      continue;
    }

    // Fetching `next`: hand it over when complete.
    impl.node.wait_complete(fetch->second.infohash, milliseconds(100));
    auto progress = impl.node.progress(fetch->second.infohash);
    if (!progress)
      throw Error(Exit::software, fetch->second.infohash, "fetch vanished");
    if (!progress->error.empty())
      throw Error(Exit::io, fetch->second.file.string(), progress->error);
    // The file is handed on only as a copy hashed against the record's
    // root; a bad one makes the torrent fetch its bad pieces again, from
    // sources that, being seeds like it was, may have hung up.
    if (progress->complete && !impl.node.settle_verified(fetch->second.infohash)) {
      auto sources = impl.other_members();
      auto origin = impl.origin_sources();
      sources.insert(sources.end(), origin.begin(), origin.end());
      impl.node.connect_peers(fetch->second.infohash, sources);
      continue;
    }
    if (progress->complete) {
      Fetch done = std::move(fetch->second);
      impl.fetches.erase(fetch);
      // A segment this node also seeds (another room of the store holds the
      // same bytes) is on the seed's file, not ours.
      if (!progress->file.empty())
        done.file = progress->file;
      if (prelude < 0)
        impl.check_link(done.record);
      impl.check_init(done.record);
      ViewedSegment segment = impl.hand_over(done, *progress);
      impl.keep_in_store(done.record, &done.file, done.infohash);
      impl.retire(done.infohash);
      if (prelude >= 0) {
        // Out of seq order: the next record links to the one before it,
        // not to this.
        prelude = -1;
      } else {
        impl.previous = done.record;
        if (!done.record.fields.init)
          media_seconds = static_cast<double>(done.record.fields.start_us +
                                              done.record.fields.duration_us) / 1e6;
        ++next;
      }
      waiting_since = Clock::now();
      if (events.segment && !events.segment(segment))
        return ViewEnd::stopped;
      continue;
    }
    if (Clock::now() - fetch->second.progressed > impl.options.give_up) {
      throw Error(Exit::unavailable, fmt::format("seq {}", next),
                  fmt::format("no source sent a byte of it for {:g} s "
                              "({} of {} bytes verified)",
                              impl.options.give_up.count() / 1000.0,
                              progress->verified_bytes, progress->size));
    }
  }
}

} // namespace hlswarm
