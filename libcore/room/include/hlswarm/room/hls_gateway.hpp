// peer-fetch --http: a small HTTP server that hands a room to players that
// speak HLS (browsers with hls.js or native HLS, Safari, VLC, mpv, ffplay,
// smart TVs). It serves an HLS folder that only the viewer's HLS output
// writes, and that output writes only verified segments: so no byte of an
// unverified or failed segment can ever be served. Beside the playlist it
// serves a page that plays the room and a JSON status for that page.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/host_port.hpp"

namespace hlswarm {

/// What the gateway's status endpoint tells the page (man/hlswarm.7,
/// "Gateway status").
struct GatewayStatus {
  /// "finding" until the room head is read, then "live", "ended" or "vod".
  std::string state = "finding";
  /// The playlist has EXT-X-ENDLIST: nothing more will be added.
  bool complete = false;
  std::int64_t segments = 0;   ///< media segments verified and served
  double media_seconds = 0;    ///< their total duration
  int peers = 0;               ///< members on the room's record channel
  std::uint64_t origin_bytes = 0; ///< verified bytes from the room's origin
  std::uint64_t peer_bytes = 0;   ///< verified bytes from other peers
};

/// Serves one room's HLS folder over HTTP until destroyed:
///   /                         the player page (embedded in the program)
///   /hls.min.js               hls.js, shipped with the page
///   /status.json              GatewayStatus as JSON
///   /index.m3u8               a redirect to the room's playlist
///   /rooms/TAG/index.m3u8     the playlist (TAG: the room's short id)
///   /rooms/TAG/NAME           a segment or init segment of the playlist
/// Segments are immutable (cached for a year); the playlist is not cached.
/// A name the folder does not hold is 503 (with Retry-After) until the
/// playlist is complete, 404 afterwards. Byte ranges and CORS (any origin)
/// are supported.
class HlsGateway {
public:
  /// Listens on `listen` (port 0: any free port) in threads of its own.
  /// Error(unavailable) if the address cannot be bound.
  HlsGateway(const HostPort &listen, const Room &room, std::filesystem::path folder);
  ~HlsGateway();
  HlsGateway(const HlsGateway &) = delete;
  HlsGateway &operator=(const HlsGateway &) = delete;

  /// "http://HOST:PORT/", with the port actually bound.
  std::string url() const;
  /// The playlist's path on the server, "/rooms/TAG/index.m3u8".
  std::string playlist_path() const;
  /// Replaces what the status endpoint reports (thread-safe).
  void update(const GatewayStatus &status);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

/// The address `--http` names: "HOST:PORT", "[V6]:PORT", or ":PORT" for
/// the loopback address 127.0.0.1. Error(usage) otherwise.
HostPort parse_gateway_address(std::string_view text);

} // namespace hlswarm
