// One room of a store, served on a Node: the segments the store holds are
// seeded, its records go onto the room's record channel, its members are
// looked up on the DHT, and a complete chain is seeded as the chain torrent.
// For the creator (an Identity given) the room server is the origin: it
// also takes new records (room-announce's pipeline) and puts the room head.
// For anyone else it is a replica: what a viewer fetched, or a distributor
// pinned, keeps serving (peer-seed).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/net/room_channel.hpp"
#include "hlswarm/room/room_members.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {

/// Where viewers can reach this node: its listen endpoints, an unspecified
/// address (0.0.0.0, ::) replaced by this host's addresses, loopback last,
/// at most 4 (they travel in a room head).
std::vector<HostPort> reachable_endpoints(const Node &node);

class RoomServer {
public:
  /// Serves `room` (the store's row `info`) on `node`. `creator` is the
  /// room's creator's identity when this node is the origin, nullptr for a
  /// replica. Nothing is served until serve_stored().
  RoomServer(Node &node, Store &store, const Room &room, const RoomInfo &info,
             const Identity *creator);
  ~RoomServer();
  RoomServer(const RoomServer &) = delete;
  RoomServer &operator=(const RoomServer &) = delete;

  const Room &room() const { return room_; }
  RoomId id() const { return room_id_; }
  bool is_origin() const { return creator_.has_value(); }

  /// Seeds what the store holds of the room. At the origin, the records
  /// must be a whole chain from seq 0 (Error(data) otherwise). A replica
  /// may hold any records (a viewer who joined a live room late, segments
  /// evicted since): each is verified on its own, and the chain torrent is
  /// seeded only when the records run from seq 0 to the end record. A
  /// segment that cannot be seeded is skipped with a warning. Returns the
  /// number of segments seeded.
  std::size_t serve_stored();

  /// Announces this node as a member on the DHT and looks the others up
  /// every `interval`.
  void start_membership(std::chrono::milliseconds interval);

  /// The newest record held, its seq.
  std::optional<std::int64_t> last_seq() const;
  bool ended() const { return last_ && last_->fields.end; }
  /// Segment records (init segments too) whose file is seeded.
  std::size_t segments_served() const { return held_records_; }
  /// Every record from seq 0 to the end record is held, and every segment
  /// is seeded: nothing is left to fetch.
  bool complete() const {
    return records_whole_ && ended() && held_records_ == segment_records_;
  }

  /// A prepared video's head names no record until its chain is complete
  /// (the end record is in): "vod" promises a viewer the whole video, to
  /// seek in. Its segments are served meanwhile.
  bool head_withheld() const;

  /// Origin: puts the head for the newest record (or none yet).
  void publish_head();

  /// Origin: takes one chain line, checks that it follows, serves it and
  /// publishes it (record pushed to the members first, head second).
  /// Returns false for a record already published (a replay), true for a
  /// new one. Error(data), with nothing published, for a record of another
  /// room, out of order, or not linked to the one before.
  bool take(const ChainEntry &entry, const std::string &where);

  /// Seeds every segment and the chain torrent again from the store's
  /// files: after a viewer on the same Node fetched them, the torrents it
  /// shared were its own downloads, whose files it removes.
  void reseed();

  /// Stops seeding a segment the store no longer holds (evicted). False if
  /// this room did not seed it.
  bool forget_segment(const std::string &infohash);

private:
  std::vector<SignedRecord> stored_records();
  void seed_segment(const SignedRecord &record, const std::string &path);
  void seed_chain_torrent();

  Node &node_;
  Store &store_;
  Room room_;
  RoomId room_id_ = 0;
  RoomMode mode_ = RoomMode::live;
  std::optional<Identity> creator_;
  std::filesystem::path records_path_;
  std::string records_; ///< every record from seq 0, when that is what we hold
  bool records_whole_ = false;
  std::size_t segment_records_ = 0; ///< segment and init records held
  std::size_t held_records_ = 0;    ///< ... whose segment is seeded
  std::optional<SignedRecord> last_;
  std::string chain_info_;
  std::deque<std::string> chain_torrents_;
  std::set<std::string> seeded_;
  std::vector<HostPort> origins_;
  std::shared_ptr<RoomChannel> channel_;
  std::optional<RoomMembers> members_;
};

} // namespace hlswarm
