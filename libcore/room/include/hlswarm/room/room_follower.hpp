// The viewer's side of a room: join it, learn its records from the room
// head and the chain torrent, verify every record and link, fetch each
// segment in seq order and hand it on once it is complete. peer-fetch
// builds on it; node-probe follow drives it in the swarm tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/room_head.hpp"

namespace hlswarm {

/// How a RoomFollower follows a room.
struct FollowOptions {
  /// Where segments are written, under their info dict's name; the chain
  /// torrent's files go there too, as ".chain-N".
  std::filesystem::path out_dir;
  /// Every segment from seq 0; otherwise from the head's record on (the
  /// live edge).
  bool from_start = false;
  /// Pause between head lookups that brought nothing new.
  std::chrono::milliseconds head_interval{100};
  /// How often the room's members are looked up on the DHT.
  std::chrono::milliseconds member_interval{30000};
};

/// A segment the follower fetched (or failed to fetch in time).
struct FollowedSegment {
  SignedRecord record;         ///< verified, linked to the one before
  std::filesystem::path file;  ///< where it was written
  bool complete = false;       ///< false: not fetched before the deadline
  std::string infohash;        ///< the segment torrent's (Node's key)
  std::int64_t head_item_seq = 0; ///< the head item that announced it
  std::int64_t head_seen_ms = 0;  ///< when that head was read, Unix ms
};

/// What the follower tells its user as it goes. Each is optional.
struct FollowEvents {
  /// A chain torrent was fetched and every record in it verified.
  std::function<void(const RoomHead &head, std::size_t records)> chain_verified;
  /// A segment, in seq order. Return false to stop following.
  std::function<bool(const FollowedSegment &segment)> segment;
  /// The end record, after the last segment.
  std::function<void(const SignedRecord &end)> ended;
};

/// Why RoomFollower::follow returned.
enum class FollowEnd {
  ended,          ///< the end record arrived
  stopped,        ///< FollowEvents::segment returned false
  segment_failed, ///< a segment was not complete by the deadline
  interrupted,    ///< SIGINT/SIGTERM (stop_requested)
  timed_out,      ///< the deadline passed
};

/// Follows one room on a Node the caller owns (and set up with the URI's
/// x.pe hints among its bootstrap nodes, make_node_options does).
class RoomFollower {
public:
  /// Joins the room: announces this node as a member.
  RoomFollower(Node &node, RoomUri uri, FollowOptions options);

  /// Reads heads until the end record, an event says stop, SIGINT/SIGTERM
  /// or `timeout`. Records are verified (signature, room, links) before
  /// anything is fetched for them. Throws Error(data) for a head, chain or
  /// record that fails its checks, Error(unavailable) for a chain torrent
  /// not fetched in time.
  FollowEnd follow(std::chrono::milliseconds timeout, const FollowEvents &events);

private:
  using Clock = std::chrono::steady_clock;

  std::vector<HostPort> peers_for(const RoomHead &head) const;
  void fetch_chain(const RoomHead &head, Clock::time_point deadline,
                   const FollowEvents &events);
  SignedRecord record_at(std::int64_t seq, const RoomHead &head,
                         Clock::time_point deadline, const FollowEvents &events);
  void refresh_members(Clock::time_point now);

  Node &node_;
  RoomUri uri_;
  FollowOptions options_;
  std::vector<HostPort> hints_;
  DhtTarget membership_{};
  std::vector<HostPort> members_;
  Clock::time_point next_member_lookup_{};
  std::vector<SignedRecord> chain_;
  std::optional<SignedRecord> last_;
  int chain_fetches_ = 0;
};

} // namespace hlswarm
