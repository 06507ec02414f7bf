// The room channel: a libtorrent extension on the room torrent that pushes
// records between members (see room_channel.hpp and hlswarm(7), ROOM
// CHANNEL).
//
// Threads: every peer_plugin callback runs on libtorrent's network thread,
// and so does everything that touches a connection (ChannelState::peers,
// sending). Other threads hand work over with post_to_network(). Records,
// counters and the member list are behind ChannelState::mutex.
#include "hlswarm/net/room_channel.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/peer_connection_handle.hpp>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "node_impl.hpp"

namespace hlswarm {

std::string room_torrent_content(const Room &room) {
  return fmt::format("hlswarm room channel {}\n{}\n{}\n", room_protocol_version,
                     public_key_hex(room.creator), percent_encode(room.name));
}

std::string_view to_string(AuditResult result) {
  switch (result) {
  case AuditResult::verified:
    return "verified";
  case AuditResult::corrupt:
    return "corrupt";
  case AuditResult::not_held:
    return "not held";
  case AuditResult::no_answer:
    break;
  }
  return "no answer";
}

namespace {

/// Our id for the extension's messages, sent in our handshake ("m"). Not
/// one libtorrent's own extensions use (0-8).
constexpr int local_message_id = 42;
/// A peer may send this many messages at once, then `refill_per_second`
/// more per second; a peer that goes beyond is dropped.
constexpr double bucket_capacity = 160;
constexpr double refill_per_second = 16;

using Clock = std::chrono::steady_clock;

std::string record_message(const std::string &record_bytes) {
  return bencode::encode(bencode::Dict{
      {"r", record_bytes}, {"t", "rec"}, {"v", room_protocol_version}});
}

std::string want_message(std::int64_t from, std::int64_t to) {
  return bencode::encode(bencode::Dict{
      {"from", from}, {"t", "want"}, {"to", to}, {"v", room_protocol_version}});
}

/// A head item as members hand it on: the bencoded dictionary of its
/// seq, signature and value (the key and salt follow from the room).
std::string encode_head(const MutableItem &item) {
  return bencode::encode(bencode::Dict{
      {"seq", item.seq},
      {"sig", std::string(item.signature.begin(), item.signature.end())},
      {"val", item.value}});
}

/// encode_head's bytes as the item of `room`'s head; throws Error(data) for
/// a malformed one (the signature is checked by the caller).
MutableItem decode_head(std::string_view bytes, const Room &room, std::string_view who) {
  auto value = bencode::decode(bytes, who, {max_room_message_bytes, 1, 4});
  const auto &dict = value.dict(who);
  auto field = [&](std::string_view key) -> const bencode::Value & {
    auto it = dict.find(key);
    if (it == dict.end())
      throw Error(Exit::data, who, fmt::format("a head without \"{}\"", key));
    return it->second;
  };
  MutableItem item;
  item.key = room.creator;
  item.salt = room.name;
  item.seq = field("seq").integer("seq");
  const std::string &signature = field("sig").string("sig");
  if (signature.size() != item.signature.size())
    throw Error(Exit::data, who, "a head whose signature is not 64 bytes");
  std::copy(signature.begin(), signature.end(), item.signature.begin());
  item.value = field("val").string("val");
  return item;
}

std::string head_message(const MutableItem &item) {
  return bencode::encode(
      bencode::Dict{{"h", encode_head(item)}, {"t", "head"}, {"v", room_protocol_version}});
}

std::string audit_message(std::int64_t id, const std::string &infohash,
                          std::int64_t block) {
  return bencode::encode(bencode::Dict{{"b", block},
                                       {"id", id},
                                       {"ih", infohash},
                                       {"t", "audit"},
                                       {"v", room_protocol_version}});
}

std::string proof_message(std::int64_t id, const std::string &block,
                          const std::vector<Sha256> &proof) {
  std::string hashes;
  for (const auto &hash : proof)
    hashes += digest_bytes(hash);
  return bencode::encode(bencode::Dict{{"d", block},
                                       {"id", id},
                                       {"p", hashes},
                                       {"t", "proof"},
                                       {"v", room_protocol_version}});
}

std::string not_held_message(std::int64_t id) {
  return bencode::encode(
      bencode::Dict{{"id", id}, {"t", "nothave"}, {"v", room_protocol_version}});
}

/// A member's answer to an audit, as it arrived.
struct AuditReply {
  enum class Kind { proof, not_held, gone } kind = Kind::gone;
  std::string block;
  std::string proof; ///< 32 bytes a level, leaf level first
};

// Block `block` of a held file and its merkle proof, or nullopt when the
// file cannot give them (then the answer is "not held"). Reads and hashes
// the whole file: milliseconds for a segment.
std::optional<std::pair<std::string, std::vector<Sha256>>>
read_block_and_proof(const HeldFiles::File &file, std::int64_t block) {
  if (block < 0 || merkle_block_length(file.size, static_cast<std::uint64_t>(block)) == 0)
    return std::nullopt;
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag::warningf("room channel: audit: {}: {}", file.path.string(), std::strerror(errno));
    return std::nullopt;
  }
  auto index = static_cast<std::uint64_t>(block);
  std::string bytes(merkle_block_length(file.size, index), '\0');
  std::optional<std::pair<std::string, std::vector<Sha256>>> result;
  try {
    std::size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got,
                          static_cast<off_t>(index * merkle_block_size + got));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        throw Error(Exit::io, file.path.string(), "cannot read the audited block");
      got += static_cast<std::size_t>(n);
    }
    result.emplace(std::move(bytes),
                   merkle_proof_of_file(fd, file.size, index, file.path.string()));
  } catch (const Error &e) {
    diag::warningf("room channel: audit: {}", e.what());
  }
  ::close(fd);
  return result;
}

class RoomPeer;

// The channel of one room: the records this node holds and its members.
class ChannelState final : public RoomChannel,
                           public std::enable_shared_from_this<ChannelState> {
public:
  ChannelState(Node::Impl &node, Room room) : node_(node), room_(std::move(room)) {}

  // ---- RoomChannel (any thread)

  std::optional<SignedRecord> record(std::int64_t seq) const override {
    std::lock_guard lock(mutex_);
    auto it = records_.find(seq);
    if (it == records_.end())
      return std::nullopt;
    return it->second;
  }

  std::optional<std::int64_t> newest_seq() const override {
    std::lock_guard lock(mutex_);
    if (records_.empty())
      return std::nullopt;
    return records_.rbegin()->first;
  }

  void add(const SignedRecord &record) override {
    if (!(record.fields.room == room_))
      throw Error(Exit::software, format_room_uri(room_),
                  "a record of another room added to the channel");
    if (keep(record) == Kept::newest) {
      auto self = shared_from_this();
      post_to_network([self, bytes = record.bytes] { self->push(bytes, nullptr); });
    }
  }

  std::int64_t known_ms(std::int64_t seq) const override {
    std::lock_guard lock(mutex_);
    auto it = known_ms_.find(seq);
    return it == known_ms_.end() ? 0 : it->second;
  }

  bool wait_for(std::int64_t seq, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return records_.count(seq) > 0; });
  }

  void request(std::int64_t from, std::int64_t to) override {
    to = std::min(to, from + max_records_per_want - 1);
    if (from < 0 || to < from)
      return;
    {
      std::lock_guard lock(mutex_);
      ++counters_.wants_sent;
    }
    auto self = shared_from_this();
    post_to_network([self, message = want_message(from, to)] {
      self->send_to_all(message, nullptr);
    });
  }

  std::optional<MutableItem> head() const override {
    std::lock_guard lock(mutex_);
    return head_;
  }

  bool wait_for_head(std::chrono::milliseconds timeout,
                     std::int64_t newer_than) const override {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return head_ && head_->seq > newer_than; });
  }

  std::vector<HostPort> members() const override {
    std::lock_guard lock(mutex_);
    std::vector<HostPort> result;
    for (const auto &[peer, endpoint] : members_)
      if (endpoint && std::find(result.begin(), result.end(), *endpoint) == result.end())
        result.push_back(*endpoint);
    return result;
  }

  void connect(const std::vector<HostPort> &peers) override {
    lt::torrent_handle handle;
    {
      std::lock_guard lock(mutex_);
      handle = torrent_;
    }
    if (!handle.is_valid())
      return;
    for (const auto &peer : peers)
      handle.connect_peer(to_endpoint(peer, "peer"));
  }

  AuditResult audit(const HostPort &member, std::string_view info_dict,
                    std::int64_t block, std::chrono::milliseconds timeout) override;

  RoomChannelCounters counters() const override {
    std::lock_guard lock(mutex_);
    RoomChannelCounters result = counters_;
    result.members = static_cast<int>(members_.size());
    return result;
  }

  // ---- set-up

  const Room &room() const { return room_; }
  void set_torrent(lt::torrent_handle handle) {
    std::lock_guard lock(mutex_);
    torrent_ = std::move(handle);
  }

  /// A head this node has checked (put, kept or read from the DHT): kept
  /// and handed on to the members if newer than the one held.
  void offer_head(const MutableItem &item) {
    if (!keep_head(item))
      return;
    auto self = shared_from_this();
    post_to_network([self, message = head_message(item)] { self->send_to_all(message, nullptr); });
  }

  // ---- the network thread

  /// The head's bytes (encode_head), for the handshake ("" if none).
  std::string head_bytes() const {
    std::lock_guard lock(mutex_);
    return head_ ? encode_head(*head_) : std::string();
  }

  /// A head from a peer: checked, kept and passed on if newer. False for
  /// one that fails its checks (the peer is dropped).
  bool receive_head(std::string_view bytes, RoomPeer *from, std::string_view who) {
    MutableItem item;
    try {
      item = decode_head(bytes, room_, who);
    } catch (const Error &e) {
      diag::warningf("room channel: {}", e.what());
      count_rejected();
      return false;
    }
    if (auto check = check_mutable_item(item, room_.creator, room_.name, -1);
        check != ItemCheck::ok) {
      diag::warningf("room channel: {}: a room head: {}", who, describe(check));
      count_rejected();
      return false;
    }
    if (keep_head(item))
      send_to_all(head_message(item), from);
    return true;
  }

  /// The newest record's bytes, for the handshake ("" if none).
  std::string newest_bytes() const {
    std::lock_guard lock(mutex_);
    return records_.empty() ? std::string() : records_.rbegin()->second.bytes;
  }

  enum class Received { kept, duplicate, rejected };

  /// A record from a peer: verified, kept, passed on if it is the newest.
  Received receive(std::string_view bytes, RoomPeer *from, std::string_view who) {
    SignedRecord record;
    try {
      record = decode_record(bytes, who);
    } catch (const Error &e) {
      diag::warningf("room channel: {}", e.what());
      count_rejected();
      return Received::rejected;
    }
    if (!(record.fields.room == room_)) {
      diag::warningf("room channel: {}: a record of room {}, not {}", who,
                     format_room_uri(record.fields.room), format_room_uri(room_));
      count_rejected();
      return Received::rejected;
    }
    std::optional<std::int64_t> before = newest_seq();
    Kept kept = keep(record);
    if (kept == Kept::duplicate)
      return Received::duplicate;
    if (kept == Kept::newest) {
      push(record.bytes, from);
      // Records between ours and this one went missing (a connection that
      // closed with them in flight): the sender has them.
      if (before && record.fields.seq > *before + 1 && from)
        ask(from, *before + 1, record.fields.seq - 1);
    }
    return Received::kept;
  }

  /// Records [from, to] this node holds, for a peer's want.
  std::vector<std::string> records_between(std::int64_t from, std::int64_t to) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> result;
    for (auto it = records_.lower_bound(from); it != records_.end() && it->first <= to; ++it)
      result.push_back(it->second.bytes);
    return result;
  }

  /// A peer that speaks the protocol, and where it listens if known.
  void joined(RoomPeer *peer, std::optional<HostPort> listening) {
    peers_.insert(peer);
    std::lock_guard lock(mutex_);
    members_[peer] = std::move(listening);
    changed_.notify_all();
  }
  void left(RoomPeer *peer) {
    peers_.erase(peer);
    std::lock_guard lock(mutex_);
    members_.erase(peer);
  }

  void count_sent(std::int64_t messages) {
    std::lock_guard lock(mutex_);
    counters_.records_sent += messages;
  }
  void count_rejected() {
    std::lock_guard lock(mutex_);
    ++counters_.rejected;
  }
  void count_dropped() {
    std::lock_guard lock(mutex_);
    ++counters_.peers_dropped;
  }
  void count_audit_answer(bool held) {
    std::lock_guard lock(mutex_);
    ++(held ? counters_.audits_answered : counters_.audits_not_held);
  }

  /// The file this node holds whole for `infohash` (raw 32 bytes), if any.
  std::optional<HeldFiles::File> held_file(const std::string &infohash) const {
    std::lock_guard lock(node_.held_files->mutex);
    auto it = node_.held_files->files.find(to_hex(infohash));
    if (it == node_.held_files->files.end())
      return std::nullopt;
    return it->second;
  }

  /// The answer to audit `id` arrived (or its connection closed).
  void audit_answered(std::int64_t id, AuditReply reply) {
    std::lock_guard lock(mutex_);
    if (auto it = audits_.find(id); it != audits_.end() && !it->second) {
      it->second = std::move(reply);
      changed_.notify_all();
    }
  }

  void send_to_all(const std::string &message, RoomPeer *except);
  void ask(RoomPeer *peer, std::int64_t from, std::int64_t to);

private:
  enum class Kept { duplicate, older, newest };

  /// Keeps `item` (checked) if it is newer than the head held.
  bool keep_head(const MutableItem &item) {
    std::lock_guard lock(mutex_);
    if (head_ && head_->seq >= item.seq)
      return false;
    head_ = item;
    changed_.notify_all();
    return true;
  }

  Kept keep(const SignedRecord &record) {
    std::lock_guard lock(mutex_);
    std::int64_t seq = record.fields.seq;
    if (records_.count(seq)) {
      // The same seq with other bytes is the creator signing two records
      // for one place: the first one stays (the chain checks links).
      ++counters_.duplicates;
      return Kept::duplicate;
    }
    bool newest = records_.empty() || seq > records_.rbegin()->first;
    records_.emplace(seq, record);
    known_ms_.emplace(seq, unix_time_ms());
    ++counters_.records_kept;
    changed_.notify_all();
    return newest ? Kept::newest : Kept::older;
  }

  void push(const std::string &record_bytes, RoomPeer *except) {
    send_to_all(record_message(record_bytes), except);
  }

  template <typename F> void post_to_network(F work) {
    // The session's own io_context runs on the network thread; a post is
    // picked up within a fraction of a millisecond (record-push.md).
    boost::asio::post(node_.session->get_context(), std::move(work));
  }

  Node::Impl &node_;
  Room room_;
  std::set<RoomPeer *> peers_; // network thread only

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::int64_t, SignedRecord> records_;
  std::optional<MutableItem> head_; ///< the room's head item, checked
  std::map<std::int64_t, std::int64_t> known_ms_; ///< by seq, Unix ms
  std::map<RoomPeer *, std::optional<HostPort>> members_;
  /// Audits waiting for their answer, by id.
  std::map<std::int64_t, std::optional<AuditReply>> audits_;
  std::int64_t next_audit_id_ = 1;
  /// When each member may be audited next (audit_answers_per_second).
  std::map<std::string, Clock::time_point> next_audit_at_;
  RoomChannelCounters counters_;
  lt::torrent_handle torrent_;
};

// One connection of the room torrent.
class RoomPeer final : public lt::peer_plugin {
public:
  RoomPeer(std::shared_ptr<ChannelState> channel, lt::peer_connection_handle connection)
      : channel_(std::move(channel)), connection_(std::move(connection)),
        who_(fmt::format("peer {}", endpoint_text(connection_.remote()))) {}
  ~RoomPeer() override {
    channel_->left(this);
    for (std::int64_t id : audits_asked_)
      channel_->audit_answered(id, AuditReply{AuditReply::Kind::gone, {}, {}});
  }

  lt::string_view type() const override {
    return {room_extension_name.data(), room_extension_name.size()};
  }

  void add_handshake(lt::entry &handshake) override {
    handshake["m"][std::string(room_extension_name)] = local_message_id;
    if (auto newest = channel_->newest_bytes(); !newest.empty())
      handshake["hlswarm_rec"] = newest;
    if (auto head = channel_->head_bytes(); !head.empty())
      handshake["hlswarm_head"] = head;
  }

  bool on_extension_handshake(const lt::bdecode_node &handshake) override {
    if (handshake.type() != lt::bdecode_node::dict_t)
      return true;
    auto m = handshake.dict_find_dict("m");
    std::int64_t id = m ? m.dict_find_int_value(
                                 {room_extension_name.data(), room_extension_name.size()}, 0) : 0;
    if (id <= 0 || id > 255)
      return true; // not a member: never sent our messages
    peer_message_id_ = static_cast<int>(id);
    // Where it listens: "p" in its handshake, or the address we dialled.
    std::int64_t port = handshake.dict_find_int_value("p", 0);
    auto remote = connection_.remote();
    std::optional<HostPort> listening;
    if (port > 0 && port < 65536)
      listening = HostPort{remote.address().to_string(), static_cast<std::uint16_t>(port)};
    else if (connection_.is_outgoing())
      listening = HostPort{remote.address().to_string(), remote.port()};
    channel_->joined(this, std::move(listening));
    if (auto newest = handshake.dict_find_string("hlswarm_rec"))
      take_record(std::string_view(newest.string_ptr(),
                                   static_cast<std::size_t>(newest.string_length())));
    if (auto head = handshake.dict_find_string("hlswarm_head"))
      take_head(std::string_view(head.string_ptr(),
                                 static_cast<std::size_t>(head.string_length())));
    return true;
  }

  bool on_extended(int length, int message, lt::span<char const> body) override {
    if (message != local_message_id)
      return false;
    // Only the answer to an audit we asked for may be longer.
    auto limit = audits_asked_.empty() ? max_room_message_bytes : max_audit_answer_bytes;
    if (static_cast<std::size_t>(length) > limit) {
      drop(fmt::format("a {} byte message", length));
      return true;
    }
    if (body.size() < length)
      return true; // the rest is still arriving
    if (!take_token())
      return true;
    handle_message(std::string_view(body.data(), static_cast<std::size_t>(body.size())));
    return true;
  }

  bool can_disconnect(const lt::error_code &ec) override {
    // Every member seeds the room torrent, and libtorrent closes a
    // connection between two seeds as useless, or one with no piece
    // traffic: here the connection is the point.
    return !(ec == lt::errors::upload_upload_connection ||
             ec == lt::errors::uninteresting_upload_peer ||
             ec == lt::errors::timed_out_no_interest ||
             ec == lt::errors::timed_out_inactivity);
  }

  /// Sends one message body, if the peer speaks the protocol.
  bool send(const std::string &body) {
    if (peer_message_id_ == 0 || connection_.is_disconnecting())
      return false;
    std::string frame(6, '\0');
    auto length = static_cast<std::uint32_t>(body.size() + 2);
    frame[0] = static_cast<char>(length >> 24);
    frame[1] = static_cast<char>(length >> 16);
    frame[2] = static_cast<char>(length >> 8);
    frame[3] = static_cast<char>(length);
    frame[4] = 20; // BEP 10 "extended"
    frame[5] = static_cast<char>(peer_message_id_);
    frame += body;
    connection_.send_buffer(frame.data(), static_cast<int>(frame.size()));
    return true;
  }

private:
  void handle_message(std::string_view body) {
    try {
      auto value = bencode::decode(body, who_, {max_audit_answer_bytes, 2, 8});
      const auto &dict = value.dict(who_);
      auto field = [&](std::string_view key) -> const bencode::Value & {
        auto it = dict.find(key);
        if (it == dict.end())
          throw Error(Exit::data, who_, fmt::format("message without \"{}\"", key));
        return it->second;
      };
      if (field("v").integer("v") != room_protocol_version)
        return; // a later version's message: not ours to judge
      const std::string &type = field("t").string("t");
      if (type != "proof" && body.size() > max_room_message_bytes)
        throw Error(Exit::data, who_, fmt::format("a {} byte \"{}\" message",
                                                  body.size(), type));
      if (type == "rec") {
        take_record(field("r").string("r"));
      } else if (type == "head") {
        take_head(field("h").string("h"));
      } else if (type == "want") {
        answer_want(field("from").integer("from"), field("to").integer("to"));
      } else if (type == "audit") {
        answer_audit(field("id").integer("id"), field("ih").string("ih"),
                     field("b").integer("b"));
      } else if (type == "proof") {
        take_audit_answer(field("id").integer("id"),
                          AuditReply{AuditReply::Kind::proof, field("d").string("d"),
                                     field("p").string("p")});
      } else if (type == "nothave") {
        take_audit_answer(field("id").integer("id"),
                          AuditReply{AuditReply::Kind::not_held, {}, {}});
      }
      // Unknown types are left for later versions.
    } catch (const Error &e) {
      channel_->count_rejected();
      drop(e.what());
    }
  }

  void take_record(std::string_view bytes) {
    if (channel_->receive(bytes, this, who_) == ChannelState::Received::rejected)
      drop("a record that fails its checks");
  }

  void take_head(std::string_view bytes) {
    if (!channel_->receive_head(bytes, this, who_))
      drop("a room head that fails its checks");
  }

  void answer_want(std::int64_t from, std::int64_t to) {
    if (from < 0 || to < from)
      return;
    to = std::min(to, from + max_records_per_want - 1);
    std::int64_t sent = 0;
    for (const auto &bytes : channel_->records_between(from, to))
      sent += send(record_message(bytes)) ? 1 : 0;
    channel_->count_sent(sent);
  }

  void answer_audit(std::int64_t id, const std::string &infohash, std::int64_t block) {
    if (!take_audit_token())
      return; // over the rate: the asker hears nothing and may ask again
    std::optional<std::pair<std::string, std::vector<Sha256>>> answer;
    if (auto file = channel_->held_file(infohash))
      answer = read_block_and_proof(*file, block);
    channel_->count_audit_answer(answer.has_value());
    send(answer ? proof_message(id, answer->first, answer->second) : not_held_message(id));
  }

  void take_audit_answer(std::int64_t id, AuditReply reply) {
    if (audits_asked_.erase(id) == 0)
      throw Error(Exit::data, who_, "an audit answer nobody asked for");
    channel_->audit_answered(id, std::move(reply));
  }

  bool take_audit_token() {
    auto now = Clock::now();
    if (last_audit_refill_ != Clock::time_point{})
      audit_tokens_ = std::min<double>(
          audit_answers_per_second,
          audit_tokens_ + audit_answers_per_second *
                              std::chrono::duration<double>(now - last_audit_refill_).count());
    last_audit_refill_ = now;
    if (audit_tokens_ < 1)
      return false;
    audit_tokens_ -= 1;
    return true;
  }

public:
  /// Sends audit `id`; its answer goes to the channel (audit_answered).
  bool ask_audit(std::int64_t id, const std::string &message) {
    if (!send(message))
      return false;
    audits_asked_.insert(id);
    return true;
  }

private:
  bool take_token() {
    auto now = Clock::now();
    if (last_refill_ != Clock::time_point{})
      tokens_ = std::min(bucket_capacity,
                         tokens_ + refill_per_second *
                                       std::chrono::duration<double>(now - last_refill_).count());
    last_refill_ = now;
    if (tokens_ < 1) {
      drop("too many messages");
      return false;
    }
    tokens_ -= 1;
    return true;
  }

  void drop(const std::string &why) {
    if (connection_.is_disconnecting())
      return;
    diag::warningf("room channel: {}: {}: disconnected", who_, why);
    channel_->count_dropped();
    connection_.disconnect(lt::errors::invalid_message, lt::operation_t::bittorrent,
                           lt::disconnect_severity_t{2});
  }

  std::shared_ptr<ChannelState> channel_;
  lt::peer_connection_handle connection_;
  std::string who_;
  int peer_message_id_ = 0;
  double tokens_ = bucket_capacity;
  Clock::time_point last_refill_{};
  std::set<std::int64_t> audits_asked_; ///< ours, not answered yet
  double audit_tokens_ = audit_answers_per_second;
  Clock::time_point last_audit_refill_{};
};

void ChannelState::send_to_all(const std::string &message, RoomPeer *except) {
  std::int64_t sent = 0;
  for (RoomPeer *peer : peers_)
    if (peer != except)
      sent += peer->send(message) ? 1 : 0;
  count_sent(sent);
}

void ChannelState::ask(RoomPeer *peer, std::int64_t from, std::int64_t to) {
  to = std::min(to, from + max_records_per_want - 1);
  if (peer->send(want_message(from, to))) {
    std::lock_guard lock(mutex_);
    ++counters_.wants_sent;
  }
}

AuditResult ChannelState::audit(const HostPort &member, std::string_view info_dict,
                                std::int64_t block, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  SegmentInfoDict info = decode_v2_info_dict(info_dict, "info dict");
  if (block < 0 || merkle_block_length(info.size, static_cast<std::uint64_t>(block)) == 0)
    throw Error(Exit::usage, fmt::format("audit of block {}", block),
                fmt::format("the segment has {} blocks", merkle_block_count(info.size)));
  std::string infohash = digest_bytes(sha256(info_dict));

  auto is_member = [&] {
    return std::any_of(members_.begin(), members_.end(),
                       [&](const auto &entry) { return entry.second == member; });
  };
  std::int64_t id = 0;
  Clock::time_point send_at;
  {
    std::unique_lock lock(mutex_);
    if (!is_member()) {
      lock.unlock();
      connect({member});
      lock.lock();
      if (!changed_.wait_until(lock, deadline, is_member))
        return AuditResult::no_answer;
    }
    id = next_audit_id_++;
    audits_[id];
    // Keep to the member's answer rate, or it would not answer.
    auto &next = next_audit_at_[member.to_string()];
    send_at = std::max(Clock::now(), next);
    next = send_at + std::chrono::milliseconds(1000 / audit_answers_per_second);
  }
  if (send_at > deadline) {
    std::lock_guard lock(mutex_);
    audits_.erase(id);
    return AuditResult::no_answer;
  }
  std::this_thread::sleep_until(send_at);
  auto self = shared_from_this();
  post_to_network([self, member, id, message = audit_message(id, infohash, block)] {
    RoomPeer *peer = nullptr;
    {
      std::lock_guard lock(self->mutex_);
      for (const auto &[candidate, listening] : self->members_)
        if (listening == member)
          peer = candidate;
    }
    if (!peer || !self->peers_.count(peer) || !peer->ask_audit(id, message))
      self->audit_answered(id, AuditReply{AuditReply::Kind::gone, {}, {}});
  });

  std::optional<AuditReply> reply;
  {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return audits_[id].has_value(); });
    reply = std::move(audits_[id]);
    audits_.erase(id);
  }
  if (!reply || reply->kind == AuditReply::Kind::gone)
    return AuditResult::no_answer;
  if (reply->kind == AuditReply::Kind::not_held)
    return AuditResult::not_held;
  if (reply->proof.size() % 32 != 0)
    return AuditResult::corrupt;
  std::vector<Sha256> proof;
  for (std::size_t at = 0; at < reply->proof.size(); at += 32)
    proof.push_back(digest_from_bytes(std::string_view(reply->proof).substr(at, 32)));
  return verify_merkle_proof(reply->block, static_cast<std::uint64_t>(block), info.size,
                             proof, info.pieces_root)
             ? AuditResult::verified
             : AuditResult::corrupt;
}

class RoomTorrentPlugin final : public lt::torrent_plugin {
public:
  explicit RoomTorrentPlugin(std::shared_ptr<ChannelState> channel)
      : channel_(std::move(channel)) {}
  std::shared_ptr<lt::peer_plugin>
  new_connection(const lt::peer_connection_handle &connection) override {
    if (connection.type() != lt::connection_type::bittorrent)
      return nullptr;
    return std::make_shared<RoomPeer>(channel_, connection);
  }

private:
  std::shared_ptr<ChannelState> channel_;
};

} // namespace

/// The userdata of a room torrent: which channel it carries.
struct RoomTorrentTag {
  std::shared_ptr<RoomChannel> channel; ///< a ChannelState
};

std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
room_channel_extension() {
  return [](const lt::torrent_handle &, lt::client_data_t userdata)
             -> std::shared_ptr<lt::torrent_plugin> {
    auto *tag = userdata.get<RoomTorrentTag>();
    if (!tag)
      return nullptr;
    return std::make_shared<RoomTorrentPlugin>(
        std::static_pointer_cast<ChannelState>(tag->channel));
  };
}

void Node::Impl::share_head(const MutableItem &item) {
  auto it = rooms.find(public_key_hex(item.key) + "/" + item.salt);
  if (it != rooms.end())
    std::static_pointer_cast<ChannelState>(it->second->channel)->offer_head(item);
}

std::shared_ptr<RoomChannel> Node::join_room(const Room &room) {
  auto &impl = *impl_;
  std::string key = public_key_hex(room.creator) + "/" + room.name;
  {
    std::lock_guard lock(impl.mutex);
    if (auto it = impl.rooms.find(key); it != impl.rooms.end())
      return it->second->channel;
  }
  auto tag = std::make_shared<RoomTorrentTag>();
  auto channel = std::make_shared<ChannelState>(impl, room);
  tag->channel = channel;
  RoomTorrentTag *tag_pointer = tag.get();
  {
    std::lock_guard lock(impl.mutex);
    impl.rooms[key] = tag;
    if (auto it = impl.newest.find(item_slot(room.creator, room.name)); it != impl.newest.end())
      channel->offer_head(it->second);
  }
  // Every member makes the same file, so the torrent is complete on every
  // node and its infohash follows from the room.
  std::string infohash = impl.seed_content(room_torrent_content(room), "room",
                                           lt::client_data_t(tag_pointer));
  {
    std::lock_guard lock(impl.mutex);
    channel->set_torrent(impl.torrents[infohash].handle);
  }
  if (!impl.peers.empty()) {
    std::vector<HostPort> peers;
    for (const auto &peer : impl.peers)
      peers.push_back({peer.address().to_string(), peer.port()});
    channel->connect(peers);
  }
  return channel;
}

} // namespace hlswarm
