// room-announce status: what a viewer would see of a room (its head, its
// chain, its members) and how many peers hold each segment.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "hlswarm/base/error.hpp"
#include "hlswarm/net/network_options.hpp"

namespace hlswarm {

/// Options of `room-announce status URI`.
struct StatusOptions {
  std::string uri;
  NetworkOptions network; ///< listen default: any_free_port
  std::chrono::milliseconds timeout = std::chrono::seconds(20);
  bool json = false;
  /// Audits every holder of every segment (RoomChannel::audit of one
  /// random block) and counts verified replicas.
  bool audit = false;
};

/// Reads the room head, fetches the chain torrent and counts who holds each
/// segment (and with `audit`, who proves it). Error(unavailable) when no head is found within the timeout.
Exit room_status(const StatusOptions &options, std::FILE *out);

} // namespace hlswarm
