// A room's membership on the DHT: this node announces itself under the
// room's membership target, looks the other members up every so often on a
// thread of its own (a slow DHT lookup never holds up a segment), and
// connects the ones it finds to the room's record channel. What reaches
// the channel then spreads by itself (peer exchange on the room torrent).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/net/room_channel.hpp"

namespace hlswarm {

class RoomMembers {
public:
  /// Announces this node as a member of `room` and starts looking up the
  /// others every `interval` (the first lookup at once).
  RoomMembers(Node &node, const Room &room, std::shared_ptr<RoomChannel> channel,
              std::chrono::milliseconds interval);
  /// Stops looking (waits for a lookup in progress, at most half a second).
  ~RoomMembers();
  RoomMembers(const RoomMembers &) = delete;
  RoomMembers &operator=(const RoomMembers &) = delete;

  /// The members known: those found on the DHT and those connected to
  /// the channel, without duplicates.
  std::vector<HostPort> current() const;

private:
  void run();

  Node &node_;
  DhtTarget target_;
  std::shared_ptr<RoomChannel> channel_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::vector<HostPort> found_;
  std::thread thread_;
};

} // namespace hlswarm
