// The viewer's side of a room, peer-fetch's engine: find the room (its
// head on the DHT, once), join its record channel, and from then on learn
// each record from the members, fetch each segment from up to N peers with
// piece deadlines, a few segments ahead of the one being played, and hand
// the segments over in seq order once verified (v2 block hashes, the
// record's signature, its link to the record before). Every fetched
// segment goes into the store and stays seeded, so a viewer is a
// distributor while it watches.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/room/viewer_policy.hpp"

namespace hlswarm {

/// Which seqs of a complete room (VOD, or an ended live room) to play,
/// given all its records in seq order: [first, last], both segment seqs.
using SpanChooser =
    std::function<std::pair<std::int64_t, std::int64_t>(const std::vector<SignedRecord> &)>;

/// How a RoomViewer watches.
struct ViewOptions {
  /// Where segments are downloaded (a folder of this run's own).
  std::filesystem::path fetch_dir;
  /// The store every fetched segment and record goes into; empty: none.
  std::filesystem::path store;
  /// Live rooms: start this many segments before the newest one.
  int behind = 1;
  /// Peers a segment is fetched from at once.
  int max_peers = viewer_policy::default_max_peers;
  /// Segments fetched ahead of the one being handed over.
  int read_ahead = 3;
  /// No progress on the next segment (or no next record) for this long:
  /// give up (Error unavailable naming the seq).
  std::chrono::milliseconds give_up{30000};
  /// The room head not found for this long: Error(unavailable).
  std::chrono::milliseconds find_timeout{30000};
  /// How often the room's members are looked up on the DHT.
  std::chrono::milliseconds member_interval{30000};
  /// Count this view as the user watching the room's creator (the store's
  /// times_watched, which following is decided on); a distributor's
  /// fetches do not.
  bool count_as_watched = true;
  /// Complete rooms: the span to play (default: all of it).
  SpanChooser choose_span;
};

/// A segment handed over: verified and linked.
struct ViewedSegment {
  SignedRecord record;
  std::filesystem::path file;
  std::string infohash;
  std::int64_t known_ms = 0;    ///< when its record reached this node, Unix ms
  std::int64_t verified_ms = 0; ///< when its last byte was verified
  std::uint64_t origin_bytes = 0; ///< received from the room's origin
  std::uint64_t peer_bytes = 0;   ///< received from other peers
};

/// Where the viewer is, for a progress line.
struct ViewStatus {
  RoomState state = RoomState::live;
  std::int64_t next_seq = 0;   ///< the segment to hand over next
  std::int64_t newest_seq = -1; ///< the newest record known
  int fetching = 0;            ///< segments being fetched
  int members = 0;             ///< peers on the record channel
  double media_seconds = 0;    ///< position: start of the next segment
};

/// What the viewer tells its user. Each is optional.
struct ViewEvents {
  /// The room was found (its state from the head).
  std::function<void(RoomState state, std::int64_t first_seq)> joined;
  /// A segment, in seq order (an fMP4 init segment first). Return false
  /// to stop (the player went away).
  std::function<bool(const ViewedSegment &segment)> segment;
  /// The end record, after the last segment.
  std::function<void(const SignedRecord &end)> ended;
  /// About twice a second.
  std::function<void(const ViewStatus &status)> progress;
};

/// Why RoomViewer::view returned.
enum class ViewEnd {
  ended,       ///< the end record came after the last segment
  span_done,   ///< the chosen span is complete
  stopped,     ///< ViewEvents::segment returned false
  interrupted, ///< SIGINT/SIGTERM
};

class RoomViewer {
public:
  /// Joins the room's record channel on `node` and connects the URI's
  /// origin hints.
  RoomViewer(Node &node, RoomUri uri, ViewOptions options);
  ~RoomViewer();
  RoomViewer(const RoomViewer &) = delete;
  RoomViewer &operator=(const RoomViewer &) = delete;

  /// Watches until the end, the span's end, an event says stop, or a
  /// signal. Throws Error(unavailable) for a room not found or a segment
  /// nobody serves within give_up, Error(data) for a room whose records
  /// do not form a chain.
  ViewEnd view(const ViewEvents &events);

  /// The channel's and the fetches' figures, for --stats.
  nlohmann::json stats() const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hlswarm
