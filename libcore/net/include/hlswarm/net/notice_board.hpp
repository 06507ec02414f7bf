// A notice board: a well-known torrent on which every peer hands each peer
// it meets one short notice (opaque bytes, signed by whoever wrote them) in
// its BEP 10 extension handshake. Peers found on the DHT without knowing
// who they are thus tell who they are, in one round trip and without a
// DHT item of their own. Distributor offers (room/pinner_offer.hpp) travel
// this way. man hlswarm(7), NOTICE BOARDS, is the protocol's reference.
//
// Separate from the room channel (room_channel.hpp) on purpose: a board
// carries no messages after the handshake, and its connections are left to
// time out.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/net/host_port.hpp"

namespace hlswarm {

/// The key of the notice in the BEP 10 extension handshake.
inline constexpr std::string_view notice_handshake_key = "hlswarm_notice";
/// The board protocol version, in the board torrent's file.
inline constexpr int notice_board_version = 1;
/// No notice is longer (a longer one in a handshake is ignored).
inline constexpr std::size_t max_notice_bytes = 1000;

/// The board torrent's single file: the same bytes for every peer of the
/// board `name`, so its infohash is known from the name alone.
std::string notice_board_content(std::string_view name);

/// A notice received, and where its sender listens.
struct ReceivedNotice {
  HostPort from;
  std::string notice;
};

/// One board on one Node (Node::join_board). Thread-safe.
class NoticeBoard {
public:
  virtual ~NoticeBoard() = default;
  /// The notice sent to every peer met from now on ("": none).
  virtual void post(std::string notice) = 0;
  /// The newest notice from each peer met so far, by where it listens.
  virtual std::vector<ReceivedNotice> notices() const = 0;
  /// Connects to peers (found on the DHT) to read their notices.
  virtual void connect(const std::vector<HostPort> &peers) = 0;
};

} // namespace hlswarm
