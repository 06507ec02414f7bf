// peer-fetch's work: watch a room (RoomViewer) and write what it hands
// over to a player's stream and/or an HLS folder, with a progress line,
// per-segment statistics and lingering as a distributor afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "hlswarm/base/error.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/room/viewer_policy.hpp"

namespace hlswarm {

/// Options of `peer-fetch URI`. With --hls or --http alone, nothing goes
/// to standard output.
struct PeerFetchOptions {
  std::string uri;
  /// -o FILE; "-" (or nullopt with neither --hls nor --http): standard output.
  std::optional<std::string> output;
  std::optional<std::filesystem::path> hls_dir; ///< --hls DIR
  /// --http ADDR:PORT (parse_gateway_address): serve the room over HTTP
  /// (HlsGateway) while watching, and after the end until interrupted.
  std::optional<std::string> http;
  int behind = 1;
  std::optional<std::string> from; ///< --from TIME
  std::optional<std::string> to;   ///< --to TIME
  int max_peers = viewer_policy::default_max_peers;
  std::chrono::milliseconds give_up = std::chrono::seconds(30);
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::chrono::milliseconds linger{0};
  std::filesystem::path store;
  NetworkOptions network;
};

/// Watches the room until it ends, the span is done or the player goes
/// away (0), is interrupted (130), or fails (the Error's code). With
/// --http, once the room is done it serves on until interrupted (0).
Exit peer_fetch(const PeerFetchOptions &options);

} // namespace hlswarm
