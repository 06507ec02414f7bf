// A room's record channel: records travel between the members of a room,
// not through the DHT. Every member (the creator, each viewer, each
// distributor) joins one long-lived "room torrent" that carries no segment
// data, and pushes each new record to its neighbours there in a BEP 10
// extension message; each record is verified before it is kept or passed
// on. The room head on the DHT stays the way in and a slow fallback.
//
// Why a torrent of its own: a record must not queue behind piece data on a
// busy segment connection, and a room torrent lasts as long as the room,
// while segment torrents come and go every few seconds. man hlswarm(7),
// ROOM CHANNEL, is the protocol's reference; ../shared/notes/record-push.md
// the measurements behind it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/base/merkle.hpp"
#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/dht_item.hpp"
#include "hlswarm/net/host_port.hpp"

namespace hlswarm {

/// The extension's name in the BEP 10 handshake ("m"), with its version.
inline constexpr std::string_view room_extension_name = "hlswarm_room";
/// The protocol version ("v" in every message); bumped when it changes.
inline constexpr std::int64_t room_protocol_version = 1;
/// No message is longer: a record (at most 1000 bytes) and its envelope.
inline constexpr std::size_t max_room_message_bytes = 1500;
/// A "want" asks for at most this many records; longer gaps take several.
inline constexpr std::int64_t max_records_per_want = 64;
/// An audit's answer: one 16 KiB block, its merkle proof (32 bytes a level,
/// at most 16 levels for a segment of max_segment_bytes) and its envelope.
/// Only a peer asked for one may send a message this long.
inline constexpr std::size_t max_audit_answer_bytes =
    merkle_block_size + 32 * 32 + 256;
/// A member answers at most this many audits a second from one peer (with
/// as many at once); an asker paces itself to it. Each answer reads and
/// hashes the whole segment, so the answers are what is rationed.
inline constexpr int audit_answers_per_second = 8;

/// What an audit of a member found (RoomChannel::audit).
enum class AuditResult {
  verified,  ///< the block and its proof lead to the segment's pieces root
  corrupt,   ///< an answer that does not: the member's copy is damaged
  not_held,  ///< the member says it does not hold the segment
  no_answer, ///< not connected, a peer without audits, or too slow
};

/// "verified", "corrupt", "not held", "no answer".
std::string_view to_string(AuditResult result);

/// The room torrent's single file: the same bytes for every member, so its
/// infohash is known from the room alone and nobody fetches anything.
std::string room_torrent_content(const Room &room);

/// What a channel has done, for --stats and tests.
struct RoomChannelCounters {
  std::int64_t records_kept = 0; ///< records held: verified from peers, or added here
  std::int64_t duplicates = 0;       ///< records we had already
  std::int64_t records_sent = 0;     ///< record messages written to peers
  std::int64_t rejected = 0;         ///< messages that failed their checks
  std::int64_t peers_dropped = 0;    ///< connections closed for abuse
  std::int64_t wants_sent = 0;
  std::int64_t audits_answered = 0;  ///< blocks and proofs sent to auditors
  std::int64_t audits_not_held = 0;  ///< audits answered "not held"
  int members = 0;                   ///< connected peers speaking the protocol
};

/// One room's channel on one Node (Node::join_room). Thread-safe.
class RoomChannel {
public:
  virtual ~RoomChannel() = default;

  /// The record with this seq, if this node has it.
  virtual std::optional<SignedRecord> record(std::int64_t seq) const = 0;
  /// The highest seq this node has, if any.
  virtual std::optional<std::int64_t> newest_seq() const = 0;

  /// Keeps a record that was verified elsewhere (made here, read from the
  /// head or the chain torrent): it must be of this room. A record newer
  /// than every one held is pushed to every member at once.
  virtual void add(const SignedRecord &record) = 0;

  /// When the record with this seq first reached this node, Unix ms (0:
  /// not here).
  virtual std::int64_t known_ms(std::int64_t seq) const = 0;

  /// Waits until the record with this seq is held (true) or `timeout`
  /// passes (false).
  virtual bool wait_for(std::int64_t seq, std::chrono::milliseconds timeout) const = 0;

  /// Asks the members for records [from, to] (at most
  /// max_records_per_want): they send the ones they have.
  virtual void request(std::int64_t from, std::int64_t to) = 0;

  /// The room's head item (BEP 44, under the creator's key and the room's
  /// name) as this node knows it: put or kept here, read from the DHT, or
  /// from a member, signature checked. Members hand it on to each other
  /// (hlswarm(7), ROOM CHANNEL), so a viewer that reaches one member finds
  /// the room without the DHT.
  virtual std::optional<MutableItem> head() const = 0;
  /// Waits until a head with a seq above `newer_than` is known (true) or
  /// `timeout` passes (false).
  virtual bool wait_for_head(std::chrono::milliseconds timeout,
                             std::int64_t newer_than = -1) const = 0;

  /// Where the members listen (from their extension handshakes): the
  /// peers to fetch segments from.
  virtual std::vector<HostPort> members() const = 0;
  /// Connects to more peers (the DHT's members, origin hints).
  virtual void connect(const std::vector<HostPort> &peers) = 0;

  /// Checks that `member` (as members() names it) really holds the segment
  /// described by `info_dict` (a record's v2 info dict): asks it for block
  /// `block` (16 KiB, 0-based) with its merkle proof and verifies both
  /// against the info dict's pieces root. Connects to the member first if
  /// needed, and keeps to audit_answers_per_second per member. Waits up to
  /// `timeout`. Throws Error(data) for a bad info dict, Error(usage) for a
  /// block past the segment's end.
  virtual AuditResult audit(const HostPort &member, std::string_view info_dict,
                            std::int64_t block,
                            std::chrono::milliseconds timeout) = 0;

  virtual RoomChannelCounters counters() const = 0;
};

} // namespace hlswarm
