// room-announce: the creator's side of the network.
#include "hlswarm/room/room_announce.hpp"

#include <deque>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fmt/format.h>

#include "hlswarm/chain/chain.hpp"
#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/line_input.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/net/room_channel.hpp"
#include "hlswarm/room/creator_channel.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/room/room_members.hpp"
#include "hlswarm/chain/seg_chain.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/store/store.hpp"
#include "hlswarm/store/store_layout.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/net/transfer_stats.hpp"

namespace hlswarm {

std::filesystem::path chain_records_path(const std::filesystem::path &store,
                                         const Room &room) {
  return store_chain_records_path(store, public_key_hex(room.creator),
                                  percent_encode(room.name));
}

std::vector<HostPort> origin_endpoints(const Node &node) {
  std::vector<HostPort> result;
  for (const auto &endpoint : node.listen_endpoints()) {
    if (endpoint.host != "0.0.0.0" && endpoint.host != "::") {
      result.push_back(endpoint);
      continue;
    }
    ifaddrs *list = nullptr;
    if (::getifaddrs(&list) != 0)
      continue;
    for (ifaddrs *at = list; at; at = at->ifa_next) {
      if (!at->ifa_addr)
        continue;
      char text[INET6_ADDRSTRLEN] = {};
      int family = at->ifa_addr->sa_family;
      if (family == AF_INET && endpoint.host == "0.0.0.0") {
        auto *in = reinterpret_cast<sockaddr_in *>(at->ifa_addr);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      } else if (family == AF_INET6 && endpoint.host == "::") {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(at->ifa_addr);
        if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr))
          continue;
        ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      } else {
        continue;
      }
      result.push_back({text, endpoint.port});
    }
    ::freeifaddrs(list);
  }
  // Loopback last: useful on this machine only.
  std::stable_partition(result.begin(), result.end(), [](const HostPort &e) {
    return e.host.rfind("127.", 0) != 0 && e.host != "::1";
  });
  if (result.size() > 4)
    result.resize(4);
  return result;
}

namespace {

std::string_view mode_name(RoomMode mode) {
  return mode == RoomMode::vod ? "vod" : "live";
}

// The creator's room on the network: the store's records and segments,
// the chain torrent, the head.
class RoomAnnouncer {
public:
  RoomAnnouncer(const AnnounceOptions &options, const Identity &identity,
                const Room &room)
      : room_(room), identity_(identity), store_(options.store),
        records_path_(chain_records_path(options.store, room)),
        node_(node_options(options)) {
    const std::string creator = public_key_hex(room.creator);
    auto existing = store_.find_room(creator, room.name);
    mode_ = existing ? existing->mode : RoomMode::live;
    room_id_ = existing ? existing->id : store_.add_room(creator, room.name, mode_);
    store_.set_room_pinned(room_id_, true);
    origins_ = origin_endpoints(node_);
    channel_ = node_.join_room(room_);
    load_stored_chain();
  }

  const std::vector<HostPort> &origins() const { return origins_; }
  Node &node() { return node_; }
  std::optional<std::int64_t> last_seq() const {
    return last_ ? std::optional(last_->fields.seq) : std::nullopt;
  }
  bool ended() const { return last_ && last_->fields.end; }

  void start_membership(std::chrono::milliseconds interval) {
    neighbours_.emplace(node_, room_, channel_, interval);
  }

  /// A prepared video's head names no record until its chain is complete
  /// (the end record is in): "vod" promises a viewer the whole video, to
  /// seek in. Its segments are served meanwhile.
  bool head_withheld() const { return mode_ == RoomMode::vod && !ended(); }

  /// Puts the head for the newest record (or none yet).
  void publish_head() {
    RoomHead head;
    head.state = mode_ == RoomMode::vod ? RoomState::vod
                 : ended()               ? RoomState::ended
                                         : RoomState::live;
    head.origins = origins_;
    head.time_s = unix_time_ms() / 1000;
    if (last_ && !head_withheld()) {
      head.seq = last_->fields.seq;
      head.record = last_->bytes;
      head.chain_info = chain_info_;
    }
    node_.put_item(identity_, room_.name, encode_room_head(head),
                   std::chrono::milliseconds(0));
  }

  /// Takes one chain line: checks it follows, serves it, publishes it.
  /// Returns false for a record already published (a replay), true for a
  /// new one.
  bool take(const ChainEntry &entry, const std::string &where) {
    const SignedRecord &record = entry.record;
    const RecordFields &fields = record.fields;
    if (!(fields.room.creator == room_.creator))
      throw Error(Exit::data, where,
                  fmt::format("record signed by creator {}, not by this "
                              "creator {}: nothing published",
                              public_key_hex(fields.room.creator),
                              public_key_hex(room_.creator)));
    if (fields.room.name != room_.name)
      throw Error(Exit::data, where,
                  fmt::format("record of room {}, not {}: nothing published",
                              format_room_uri(fields.room), format_room_uri(room_)));
    std::int64_t next = last_ ? last_->fields.seq + 1 : 0;
    if (fields.seq < next) {
      // seg-chain stores each record before printing it, so a pipeline
      // started after it may be handed records the store already gave us.
      auto stored = store_.record(room_id_, fields.seq);
      if (stored && *stored == record.bytes)
        return false;
      throw Error(Exit::data, where,
                  fmt::format("seq {} goes backwards (seq {} was published): "
                              "nothing published",
                              fields.seq, next - 1));
    }
    if (fields.seq > next)
      throw Error(Exit::data, where,
                  fmt::format("seq {} after seq {}: records {}..{} are missing; "
                              "nothing published",
                              fields.seq, next - 1, next, fields.seq - 1));
    if (auto problem = link_problem(last_ ? &*last_ : nullptr, record))
      throw Error(Exit::data, where,
                  fmt::format("{}: nothing published", *problem));

    if (!fields.end)
      serve_segment(record, entry.path);
    store_.put_record(room_id_, fields.seq, to_hex(digest_bytes(record.id)),
                      record.bytes);
    if (fields.end)
      store_.set_room_ended(room_id_, true);
    append_to_chain(record);
    // Pushed to the members first (a fraction of a millisecond a hop), the
    // head second: the head is for newcomers and stragglers.
    channel_->add(record);
    if (!head_withheld())
      publish_head();
    return true;
  }

  /// The store's segments of this room, seeded again after a restart.
  void serve_stored_segments() {
    for (const auto &record : stored_records_)
      if (!record.fields.end) {
        try {
          serve_segment(record, {});
        } catch (const Error &e) {
          diag::warningf("seq {}: not served: {}", record.fields.seq, e.what());
        }
      }
    stored_records_.clear();
  }

private:
  static NodeOptions node_options(const AnnounceOptions &options) {
    NodeOptions node = make_node_options(options.network, default_listen);
    node.state_file = store_node_state_path(options.store);
    make_dirs(node.state_file.parent_path());
    return node;
  }

  void load_stored_chain() {
    auto last = store_.last_record_seq(room_id_);
    if (!last)
      return;
    std::string bytes;
    for (std::int64_t seq = 0; seq <= *last; ++seq) {
      auto record = store_.record(room_id_, seq);
      if (!record)
        throw Error(Exit::data, store_.database_path().string(),
                    fmt::format("room {}: record seq {} is missing",
                                format_room_uri(room_), seq));
      bytes += *record;
    }
    stored_records_ = read_chain_records(bytes, room_,
                                         store_.database_path().string());
    last_ = stored_records_.back();
    for (const auto &record : stored_records_)
      channel_->add(record);
    records_ = std::move(bytes);
    write_chain_torrent();
    diag::notef("republishing {} records of {} from the store", stored_records_.size(),
                format_room_uri(room_));
  }

  void serve_segment(const SignedRecord &record, const std::string &path) {
    std::string infohash = to_hex(digest_bytes(record.infohash()));
    auto stored = store_.find_segment(infohash);
    if (!stored) {
      if (path.empty())
        throw Error(Exit::no_input, infohash, "segment not in the store");
      NewSegment segment;
      segment.infohash = infohash;
      segment.room = room_id_;
      segment.seq = record.fields.seq;
      segment.source = path;
      stored = store_.add_segment(segment);
    }
    std::filesystem::path file = stored->file;
    // A stored copy with damaged bytes cannot be seeded (Node::seed
    // refuses it, and the room would stop): the chain line's file serves.
    if (!path.empty() && file != path && !holds_segment(file, record)) {
      diag::warningf("{}: damaged (its bytes do not hash to seq {}'s "
                     "infohash): serving {} instead; store-gc --repair "
                     "--deep removes it",
                     file.string(), record.fields.seq, path);
      file = path;
    }
    node_.seed(file, record.fields.info_dict);
    // The origin connects nobody: the viewers learn of the segment on the
    // room channel and come for it, the first two of them at once and the
    // others only if nobody else has it (see "Fetching a segment" in
    // hlswarm(7)). Connecting every member would have each fetch it from
    // the origin.
  }

  /// Whether `file` holds the bytes of `record`'s segment.
  static bool holds_segment(const std::filesystem::path &file,
                            const SignedRecord &record) {
    try {
      auto info = decode_segment_info(record.fields.info_dict, "record");
      return hash_v2_file(file, info.name, info.piece_length).infohash() ==
             record.infohash();
    } catch (const Error &) {
      return false;
    }
  }

  void append_to_chain(const SignedRecord &record) {
    records_ += record.bytes;
    last_ = record;
    write_chain_torrent();
  }

  // The chain torrent's file is rewritten whole (it only grows: the old
  // torrents' bytes are a prefix of the new file, so they can still be
  // served from it) and seeded as a new torrent; the two before it stay
  // seeded for readers of an older head.
  void write_chain_torrent() {
    if (records_.size() > max_chain_records_bytes)
      throw Error(Exit::data, records_path_.string(),
                  fmt::format("the chain is over {} bytes: start a new room",
                              max_chain_records_bytes));
    make_dirs(records_path_.parent_path());
    write_file_atomically(records_path_, records_);
    SegmentTorrent torrent = hash_v2_file(records_path_, chain_torrent_name, 0);
    chain_info_ = torrent.info_dict;
    std::string infohash = node_.seed(records_path_, chain_info_);
    if (chain_torrents_.empty() || chain_torrents_.back() != infohash)
      chain_torrents_.push_back(infohash);
    while (chain_torrents_.size() > 3) {
      node_.remove(chain_torrents_.front());
      chain_torrents_.pop_front();
    }
  }

  Room room_;
  Identity identity_;
  Store store_;
  RoomId room_id_ = 0;
  RoomMode mode_ = RoomMode::live;
  std::filesystem::path records_path_;
  std::string records_;
  std::optional<SignedRecord> last_;
  std::vector<SignedRecord> stored_records_;
  std::string chain_info_;
  std::deque<std::string> chain_torrents_;
  std::vector<HostPort> origins_;
  Node node_;
  std::shared_ptr<RoomChannel> channel_;
  std::optional<RoomMembers> neighbours_;
};

// The creator's channel, published again whenever one of their rooms
// changes state here; a failure is a warning, as the room itself is served
// either way.
void publish_channel(ChannelPublisher &channel) {
  try {
    auto published = channel.publish();
    diag::notef("channel of {} rooms published", published.rooms.size());
  } catch (const Error &e) {
    diag::warningf("channel not published: {}", e.what());
  }
}

Identity creator_identity(const std::optional<std::filesystem::path> &key_file) {
  return key_file ? open_identity(*key_file, false)
                  : open_identity(default_key_path(), true);
}

} // namespace

Exit create_room(const CreateRoomOptions &options, std::FILE *out) {
  Identity identity = creator_identity(options.key_file);
  Room room = room_from_argument(options.name, identity);
  Store store(options.store);
  const std::string creator = public_key_hex(room.creator);
  RoomMode mode = options.vod ? RoomMode::vod : RoomMode::live;
  if (auto existing = store.find_room(creator, room.name);
      existing && existing->mode != mode)
    throw Error(Exit::data, format_room_uri(room),
                fmt::format("the room exists already as a {} room",
                            mode_name(existing->mode)));
  RoomId id = store.add_room(creator, room.name, mode);
  store.set_room_pinned(id, true);
  write_raw_line(format_room_uri(room), out);
  return Exit::ok;
}

Exit announce_room(const AnnounceOptions &options, int input_fd, std::FILE *out) {
  Identity identity = creator_identity(options.key_file);
  Room room = room_from_argument(options.room, identity);
  RoomAnnouncer announcer(options, identity, room);
  announcer.serve_stored_segments();
  announcer.start_membership(options.neighbour_interval);
  announcer.publish_head();
  ChannelPublisher channel(announcer.node(), identity, options.store);
  publish_channel(channel);

  RoomUri uri{room, {}};
  for (const auto &origin : announcer.origins())
    uri.parameters.emplace_back("x.pe", origin.to_string());
  diag::notef("serving {} (origin hints for viewers: {})", format_room_uri(room),
              format_room_uri(uri));

  LineInput input(input_fd, "stdin", options.drain);
  bool ended = announcer.ended();
  // The stop signals that had arrived when the end record came: more than
  // none means a Ctrl-C brought the end (see below).
  int stops_before_end = 0;
  while (auto text = input.next()) {
    if (text->find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::string where = fmt::format("stdin:{}", input.line_number());
    ChainEntry entry = parse_chain_line(*text, where);
    announcer.take(entry, where);
    // Served and announced first, passed on second: what downstream sees
    // is already on the network.
    write_raw_line(*text, out);
    if (entry.record.fields.end && !ended) {
      stops_before_end = stop_count();
      publish_channel(channel); // the room is now ended, or a whole video
    }
    ended = ended || entry.record.fields.end;
    diag::progress(fmt::format("seq {} announced", entry.record.fields.seq));
  }
  diag::progress_done();
  // Ctrl-C on a live pipeline reaches every stage at once: seg-split closes
  // the segment it is writing and seg-chain appends the end record, which
  // arrive here within the drain time. A signal that brings the end record
  // therefore ends the broadcast as planned (take() has published the final
  // head) and the room is served for --linger like after any end; a second
  // signal stops at once. Without the end record the room stays live for a
  // later room-announce to continue. A signal after the end record (while
  // lingering, or before the input closed) stops at once.
  const int signals_seen = stop_count();
  const bool ended_by_signal =
      ended && stops_before_end > 0 && signals_seen == stops_before_end;
  if (stop_requested() && !ended_by_signal) {
    if (input.drain_expired())
      diag::warning("stopped: input did not end within the drain time");
    return Exit::interrupted;
  }
  std::string serving = options.linger
                            ? fmt::format("for {:g} s more", options.linger->count() / 1000.0)
                            : std::string("until interrupted");
  if (ended_by_signal)
    serving += " (interrupt again to stop at once)";
  if (ended)
    diag::notef("{} ended at seq {}; serving {}", format_room_uri(room),
                announcer.last_seq().value_or(0), serving);
  else if (announcer.head_withheld())
    diag::warning("input ended without the end record: the video is not "
                  "complete, and its head names no record until the end "
                  "record comes; serving until interrupted or --linger");
  else
    diag::note("input ended without the end record: the room stays live; "
               "serving until interrupted or --linger");
  auto linger = options.linger.value_or(std::chrono::milliseconds::max());
  if (wait_for_another_stop(signals_seen, linger))
    return Exit::interrupted;
  return Exit::ok;
}

} // namespace hlswarm
