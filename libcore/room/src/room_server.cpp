// A room of the store, served: at the origin (room-announce, peer-seed's
// imports) or as a replica (peer-seed).
#include "hlswarm/room/room_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/room/room_announce.hpp"
#include "hlswarm/net/transfer_stats.hpp" // unix_time_ms
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/room/viewer_policy.hpp"

namespace hlswarm {

std::vector<HostPort> reachable_endpoints(const Node &node) {
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

/// Whether `file` holds the bytes of `record`'s segment.
bool holds_segment(const std::filesystem::path &file, const SignedRecord &record) {
  try {
    auto info = decode_segment_info(record.fields.info_dict, "record");
    return hash_v2_file(file, info.name, info.piece_length).infohash() ==
           record.infohash();
  } catch (const Error &) {
    return false;
  }
}

std::string segment_infohash(const SignedRecord &record) {
  return to_hex(digest_bytes(record.infohash()));
}

} // namespace

RoomServer::RoomServer(Node &node, Store &store, const Room &room,
                       const RoomInfo &info, const Identity *creator)
    : node_(node), store_(store), room_(room), room_id_(info.id),
      mode_(info.mode),
      records_path_(chain_records_path(store.folder(), room)) {
  if (creator)
    creator_ = *creator;
  origins_ = reachable_endpoints(node_);
  channel_ = node_.join_room(room_);
}

RoomServer::~RoomServer() {
  members_.reset();
  for (const auto &infohash : seeded_)
    node_.remove(infohash);
  for (const auto &infohash : chain_torrents_)
    node_.remove(infohash);
}

std::optional<std::int64_t> RoomServer::last_seq() const {
  return last_ ? std::optional(last_->fields.seq) : std::nullopt;
}

bool RoomServer::head_withheld() const {
  return mode_ == RoomMode::vod && !ended();
}

// The origin's records must be its whole chain; a replica's are whatever a
// viewer kept, each checked on its own and the links where they meet.
std::vector<SignedRecord> RoomServer::stored_records() {
  auto last = store_.last_record_seq(room_id_);
  if (!last)
    return {};
  const std::string where = store_.database_path().string();
  std::vector<SignedRecord> records;
  std::string bytes;
  bool whole = true;
  for (std::int64_t seq = 0; seq <= *last; ++seq) {
    auto stored = store_.record(room_id_, seq);
    if (!stored) {
      if (is_origin())
        throw Error(Exit::data, where,
                    fmt::format("room {}: record seq {} is missing",
                                format_room_uri(room_), seq));
      whole = false;
      continue;
    }
    if (whole)
      bytes += *stored;
    else
      records.push_back(decode_record(*stored, fmt::format("{}: seq {}", where, seq)));
  }
  records_whole_ = whole;
  if (whole) {
    records = read_chain_records(bytes, room_, where);
    records_ = std::move(bytes);
  } else {
    // Linked or not, every record must be this room's, signed by its
    // creator (decode_record checked the signature).
    for (const auto &record : records)
      if (!(record.fields.room == room_))
        throw Error(Exit::data, where,
                    fmt::format("seq {}: a record of room {} stored as {}",
                                record.fields.seq,
                                format_room_uri(record.fields.room),
                                format_room_uri(room_)));
  }
  return records;
}

std::size_t RoomServer::serve_stored() {
  auto records = stored_records();
  if (records.empty())
    return 0;
  last_ = records.back();
  for (const auto &record : records)
    channel_->add(record);
  segment_records_ = 0;
  held_records_ = 0;
  for (const auto &record : records) {
    if (record.fields.end)
      continue;
    ++segment_records_;
    if (!is_origin() && !store_.find_segment(room_id_, record.fields.seq))
      continue; // never fetched, or evicted: a replica holds what it holds
    try {
      seed_segment(record, {});
      ++held_records_;
    } catch (const Error &e) {
      diag::warningf("{} seq {}: not served: {}", format_room_uri(room_),
                     record.fields.seq, e.what());
    }
  }
  // A replica's chain torrent is the creator's, byte for byte, once it
  // holds every record up to the end: viewers can then fetch the chain
  // from it when the creator is gone.
  if (records_whole_ && (is_origin() || ended()))
    seed_chain_torrent();
  return held_records_;
}

void RoomServer::start_membership(std::chrono::milliseconds interval) {
  members_.emplace(node_, room_, channel_, interval);
}

void RoomServer::publish_head() {
  if (!creator_)
    throw Error(Exit::software, format_room_uri(room_),
                "only the origin puts the room head");
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
  node_.put_item(*creator_, room_.name, encode_room_head(head),
                 std::chrono::milliseconds(0));
}

bool RoomServer::take(const ChainEntry &entry, const std::string &where) {
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
    throw Error(Exit::data, where, fmt::format("{}: nothing published", *problem));

  if (!fields.end)
    seed_segment(record, entry.path);
  store_.put_record(room_id_, fields.seq, to_hex(digest_bytes(record.id)),
                    record.bytes);
  if (fields.end)
    store_.set_room_ended(room_id_, true);
  records_ += record.bytes;
  last_ = record;
  seed_chain_torrent();
  // Pushed to the members first (a fraction of a millisecond a hop), the
  // head second: the head is for newcomers and stragglers.
  channel_->add(record);
  if (!head_withheld())
    publish_head();
  return true;
}

void RoomServer::reseed() {
  for (const auto &infohash : std::exchange(seeded_, {}))
    node_.remove(infohash);
  for (const auto &infohash : std::exchange(chain_torrents_, {}))
    node_.remove(infohash);
  serve_stored();
}

bool RoomServer::forget_segment(const std::string &infohash) {
  if (seeded_.erase(infohash) == 0)
    return false;
  node_.remove(infohash);
  // At least one record lost its segment; serve_stored() counts again.
  if (held_records_ > 0)
    --held_records_;
  return true;
}

void RoomServer::seed_segment(const SignedRecord &record, const std::string &path) {
  std::string infohash = segment_infohash(record);
  if (seeded_.count(infohash))
    return;
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
  // A stored copy with damaged bytes cannot be seeded (Node::seed refuses
  // it, and the room would stop): the chain line's file serves.
  if (!path.empty() && file != path && !holds_segment(file, record)) {
    diag::warningf("{}: damaged (its bytes do not hash to seq {}'s "
                   "infohash): serving {} instead; store-gc --repair "
                   "--deep removes it",
                   file.string(), record.fields.seq, path);
    file = path;
  }
  // A new segment of a live room at its origin is the one every viewer
  // wants at once: served to a few (viewer_policy.hpp).
  // Segments served from the store (a restart, a replica) and a prepared
  // video's (viewers come for them at their own times) are served to all.
  SeedOptions options;
  if (is_origin() && mode_ == RoomMode::live && !path.empty()) {
    options.max_connections = viewer_policy::origin_max_connections;
  }
  node_.seed(file, record.fields.info_dict, options);
  seeded_.insert(infohash);
  // Nobody is connected to: the viewers learn of the segment on the room
  // channel and come for it, the first fetcher at once and the others
  // only if nobody else has it (see "Fetching a segment" in hlswarm(7)).
  // Connecting every member would have each fetch it from the origin.
}

// The chain torrent's file is rewritten whole (it only grows: the old
// torrents' bytes are a prefix of the new file, so they can still be
// served from it) and seeded as a new torrent; the two before it stay
// seeded for readers of an older head.
void RoomServer::seed_chain_torrent() {
  if (records_.size() > max_chain_records_bytes)
    throw Error(Exit::data, records_path_.string(),
                fmt::format("the chain is over {} bytes: start a new room",
                            max_chain_records_bytes));
  make_dirs(records_path_.parent_path());
  write_file_atomically(records_path_, records_);
  SegmentTorrent torrent = hash_v2_file(records_path_, chain_torrent_name, 0);
  chain_info_ = torrent.info_dict;
  if (!chain_torrents_.empty() &&
      chain_torrents_.back() == to_hex(digest_bytes(torrent.infohash())))
    return;
  chain_torrents_.push_back(node_.seed(records_path_, chain_info_));
  while (chain_torrents_.size() > 3) {
    node_.remove(chain_torrents_.front());
    chain_torrents_.pop_front();
  }
}

} // namespace hlswarm
